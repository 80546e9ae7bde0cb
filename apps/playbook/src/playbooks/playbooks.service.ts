import { isDeepStrictEqual } from 'node:util';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { activationPoint, BEFORE_ANY_EVENT, type ConfigActivationRecord, Topics } from '@bellwether/contracts';
import {
  AdminAuditLog,
  APP_LOGGER,
  type AppLogger,
  Clock,
  type CommittedOutboxRows,
  type ConfigVersion,
  ConfigVersionStore,
  enqueueOutboxReturning,
  OutboxRelay,
  PipelineClock,
  planActivation,
  planRollback,
  RequestRejected,
  Transactions,
} from '@bellwether/platform';
import { formatValidationError, PLAYBOOK_SET_VERSION_ID, type PlaybookSet, validatePlaybookSet } from '@bellwether/playbook-domain';
import { PlaybookEnv } from '../playbook.env';
import { PLAYBOOK_SCHEMA } from '../migrations';
import { PLAYBOOK_BASE } from '../runs/playbook-definitions';
import { RunRepository } from '../runs/run.repository';
import { PLAYBOOKS_KIND, PlaybookSource } from './playbook-activations';

/** The list of versions: which one is active (stored), and which one this replica has in force from now on. */
export interface PlaybookSetList {
  /** The active stored version, or null. */
  readonly active: string | null;
  /** The newest set this replica has read (`PlaybookActivations`): equals `active` once the activation topic reached it. */
  readonly inForce: string;
  /** Every stored version, newest first. */
  readonly versions: ConfigVersion[];
}

/**
 * Versions of the whole set of playbooks as immutable data (issue 18 §1), as scoring's
 * scorecards: create a draft from a body (`validatePlaybookSet`: nothing stored when it is
 * refused), activate a version or roll back (libs/platform `planActivation` / `planRollback`). An
 * activation, its audit entry and its `bellwether.config-activations.v1` record (key `playbooks`,
 * through the outbox, published right after the commit) commit in one transaction. The record's
 * `effectiveFrom` is 1 ms after the newest trigger time the runs consumers have processed and
 * never before the pipeline clock's now (the pipeline watermark in CLOCK_MODE=event, the wall
 * clock in wall mode): `activationPoint`. A run is started with the set in force at its trigger's
 * event time, so every trigger decided before the activation keeps the set that decided it.
 * Errors are `RequestRejected` naming the field.
 */
@Injectable()
export class PlaybooksService implements OnApplicationBootstrap {
  constructor(
    private readonly transactions: Transactions,
    private readonly versions: ConfigVersionStore,
    private readonly audits: AdminAuditLog,
    private readonly relay: OutboxRelay,
    private readonly runs: RunRepository,
    private readonly pipelineClock: PipelineClock,
    private readonly playbooks: PlaybookSource,
    private readonly clock: Clock,
    private readonly env: PlaybookEnv,
    @Inject(PLAYBOOK_BASE) private readonly base: PlaybookSet,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {}

  /**
   * Stores the PLAYBOOKS_DIR (or built-in) set as a version, once (actor `config`), and, while
   * nothing was ever activated, records it as the active one from the start of event time: so the
   * list shows what is in force, and a rollback of the first activation returns to it. No
   * activation record is published for it: it is every replica's timeline base already.
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.transactions.run(async (manager) => {
      await this.versions.lockKind(manager, PLAYBOOKS_KIND);
      const stored = await this.versions.insertDraft(manager, { kind: PLAYBOOKS_KIND, version: this.base.version, body: this.base, createdBy: 'config', createdAt: this.clock.nowIso() });
      if (stored) await this.audits.record(manager, { actorKeyId: 'config', action: 'playbooks.create', subject: `playbooks:${this.base.version}`, before: null, after: stored });
      const conflicts = await this.conflicts(manager, this.base);
      if (conflicts.length > 0) this.logger.warn({ version: this.base.version, conflicts: conflicts.map(formatValidationError) }, 'PLAYBOOKS_DIR redefines a playbook version stored with other steps: give a changed playbook a new version');
      if ((await this.versions.activations(manager, PLAYBOOKS_KIND)).length > 0) return;
      const activated = await this.versions.activate(
        manager,
        { kind: PLAYBOOKS_KIND, version: this.base.version, action: 'activate', activatedBy: 'config', activatedAt: this.clock.nowIso(), effectiveFrom: BEFORE_ANY_EVENT },
        null,
      );
      await this.audits.record(manager, { actorKeyId: 'config', action: 'playbooks.activate', subject: `playbooks:${this.base.version}`, before: stored, after: activated });
    });
  }

  async list(): Promise<PlaybookSetList> {
    const versions = await this.versions.list(PLAYBOOKS_KIND);
    return { active: versions.find((version) => version.status === 'active')?.version ?? null, inForce: this.playbooks.timeline().latest.version, versions };
  }

  async get(version: string): Promise<ConfigVersion> {
    const found = await this.versions.find(PLAYBOOKS_KIND, checkedVersion(version));
    if (!found) throw notFound(version);
    return found;
  }

  /**
   * The set a body describes, or 400 naming every bad field (`playbooks.1.steps.0.dueInHours`);
   * with SMTP, an email step needs a template to render. Stores nothing.
   */
  validate(body: unknown): PlaybookSet {
    const result = validatePlaybookSet(body, { requireEmailTemplates: Boolean(this.env.SMTP_URL) });
    if (!result.ok) throw new RequestRejected(400, result.errors.map((error) => ({ path: error.path === '' ? 'body' : error.path, message: error.message })));
    return result.set;
  }

  /**
   * Stores a valid body as a draft. 409 when its version exists (the PLAYBOOKS_DIR / built-in set
   * is stored at start), or when it redefines a playbook `(id, version)` a stored set holds with
   * other content (a playbook version is one definition: give a changed playbook a new version).
   */
  async create(actorKeyId: string, body: unknown): Promise<ConfigVersion> {
    const set = this.validate(body);
    return this.transactions.run(async (manager) => {
      await this.versions.lockKind(manager, PLAYBOOKS_KIND);
      const conflicts = await this.conflicts(manager, set);
      if (conflicts.length > 0) throw new RequestRejected(409, conflicts);
      const created = await this.versions.insertDraft(manager, { kind: PLAYBOOKS_KIND, version: set.version, body: set, createdBy: actorKeyId, createdAt: this.clock.nowIso() });
      if (!created) throw new RequestRejected(409, [{ path: 'version', message: `playbooks version ${set.version} exists already: versions are immutable, name a new one` }]);
      await this.audits.record(manager, { actorKeyId, action: 'playbooks.create', subject: `playbooks:${set.version}`, before: null, after: created });
      return created;
    });
  }

  /** Makes `version` active from the pipeline clock's now on; the one active before is retired. */
  async activate(actorKeyId: string, version: string): Promise<ConfigVersion> {
    checkedVersion(version);
    const switched = await this.transactions.run(async (manager) => {
      await this.versions.lockKind(manager, PLAYBOOKS_KIND);
      const plan = planActivation(await this.versions.list(PLAYBOOKS_KIND, manager), version);
      if (!plan.ok) throw plan.refused === 'not-found' ? notFound(version) : new RequestRejected(409, [{ path: 'version', message: `playbooks ${version} is active already` }]);
      return this.switchTo(manager, actorKeyId, 'activate', plan.activate, plan.retire);
    });
    return this.published(switched);
  }

  /** Re-activates the version active before the current one; 409 when there is none. */
  async rollback(actorKeyId: string): Promise<ConfigVersion> {
    const switched = await this.transactions.run(async (manager) => {
      await this.versions.lockKind(manager, PLAYBOOKS_KIND);
      const plan = planRollback(await this.versions.activations(manager, PLAYBOOKS_KIND));
      if (!plan.ok) throw new RequestRejected(409, [{ path: 'version', message: 'no playbooks version was active before the current one: nothing to roll back to' }]);
      return this.switchTo(manager, actorKeyId, 'rollback', plan.activate, plan.retire);
    });
    return this.published(switched);
  }

  /** The playbooks of `set` that another stored set holds under the same `(id, version)` with other content, as problems at `playbooks.<i>.version`. */
  private async conflicts(manager: EntityManager, set: PlaybookSet): Promise<{ path: string; message: string }[]> {
    const stored = (await this.versions.list(PLAYBOOKS_KIND, manager)).filter((version) => version.version !== set.version);
    const definitions = stored.flatMap((version) => {
      const validated = validatePlaybookSet(version.body);
      return validated.ok ? validated.set.playbooks.map((playbook) => ({ set: version.version, playbook })) : [];
    });
    return set.playbooks.flatMap((playbook, i) => {
      const other = definitions.find((candidate) => candidate.playbook.id === playbook.id && candidate.playbook.version === playbook.version && !isDeepStrictEqual(candidate.playbook, playbook));
      return other ? [{ path: `playbooks.${i}.version`, message: `playbook ${playbook.id} v${playbook.version} is defined otherwise in stored version ${other.set}: give a changed playbook a new version` }] : [];
    });
  }

  /**
   * Publishes a committed switch's activation record at once: left to the relay's sweep it would
   * wait OUTBOX_SWEEP_AFTER_MS while replicas started runs past `effectiveFrom` with the old set.
   * A failed send is left to the sweep (`publishCommitted` never throws).
   */
  private async published(switched: { readonly activated: ConfigVersion; readonly committed: CommittedOutboxRows }): Promise<ConfigVersion> {
    await this.relay.publishCommitted(switched.committed);
    return switched.activated;
  }

  private async switchTo(
    manager: EntityManager,
    actorKeyId: string,
    action: 'activate' | 'rollback',
    version: string,
    retire: string | null,
  ): Promise<{ activated: ConfigVersion; committed: CommittedOutboxRows }> {
    const activatedAt = this.clock.nowIso();
    // After every trigger already decided (each topic partition's newest), never before the clock.
    const effectiveFrom = activationPoint(this.pipelineClock.now(), await this.runs.triggerWatermarks(manager));
    const before = (await this.versions.list(PLAYBOOKS_KIND, manager)).find((candidate) => candidate.version === version) ?? null;
    const activated = await this.versions.activate(manager, { kind: PLAYBOOKS_KIND, version, action, activatedBy: actorKeyId, activatedAt, effectiveFrom }, retire);
    await this.audits.record(manager, { actorKeyId, action: `playbooks.${action}`, subject: `playbooks:${version}`, before: before && { ...before, retiring: retire }, after: activated });
    const record: ConfigActivationRecord = { schemaVersion: 1, kind: PLAYBOOKS_KIND, version, body: activated.body as Record<string, unknown>, effectiveFrom, activatedAt, activatedBy: actorKeyId };
    return { activated, committed: await enqueueOutboxReturning(manager, PLAYBOOK_SCHEMA, [{ topic: Topics.configActivations, key: PLAYBOOKS_KIND, payload: record }]) };
  }
}

function checkedVersion(version: string): string {
  if (!PLAYBOOK_SET_VERSION_ID.test(version)) throw new RequestRejected(400, [{ path: 'version', message: 'must be 1-100 letters, digits, dots, colons, dashes or underscores' }]);
  return version;
}

function notFound(version: string): RequestRejected {
  return new RequestRejected(404, [{ path: 'version', message: `no playbooks version ${version.slice(0, 100)}` }]);
}
