import { isDeepStrictEqual } from 'node:util';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { activationPoint, BEFORE_ANY_EVENT, type ConfigActivationRecord, Topics } from '@bellwether/contracts';
import { AdminAuditLog, APP_LOGGER, type AppLogger, Clock, type CommittedOutboxRows, type ConfigVersion, ConfigVersionStore, enqueueOutboxReturning, OutboxRelay, planActivation, planRollback, RequestRejected, Transactions } from '@bellwether/platform';
import { SCORING_SCHEMA } from '../migrations';
import { type Scorecard, scorecardFromConfig } from '@bellwether/scoring-domain';
import { SCORECARD } from '../scores/scorecard.provider';
import { WatermarkRepository } from '../scores/watermark.repository';
import { ScorecardSource } from './scorecard-activations';
import { VERSION_ID } from './scorecards.dto';

const KIND = 'scorecard';

/** Before any event was scored there is no watermark: an activation then applies to every event time. */

/** The list of versions: which one is active (stored), and which one this replica has in force from now on. */
export interface ScorecardList {
  /** The active stored version, or null (then SCORECARD_FILE / the default is in force). */
  readonly active: string | null;
  /** The newest scorecard this replica has read (`ScorecardActivations`): equals `active` once the activation topic reached it. */
  readonly inForce: string;
  /** Every stored version, newest first. */
  readonly versions: ConfigVersion[];
}

/**
 * Scorecard versions as immutable data (issue 18 §1): create a draft from a body
 * (`scorecardFromConfig`: nothing stored when it is refused), activate a version or roll back
 * (libs/platform `planActivation` / `planRollback`). An activation, its audit entry and its
 * `bellwether.config-activations.v1` record (through the outbox, published right after the
 * commit) commit in one transaction; the record's `effectiveFrom` is just after the newest event
 * time scored so far (`activationPoint`), so every replica (and a replay) switches at the same
 * event time and nothing already scored falls after it. Errors are `RequestRejected` naming the field.
 */
@Injectable()
export class ScorecardsService implements OnApplicationBootstrap {
  constructor(
    private readonly transactions: Transactions,
    private readonly versions: ConfigVersionStore,
    private readonly audits: AdminAuditLog,
    private readonly relay: OutboxRelay,
    private readonly watermarks: WatermarkRepository,
    private readonly activations: ScorecardSource,
    private readonly clock: Clock,
    @Inject(SCORECARD) private readonly base: Scorecard,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {}

  /**
   * Stores the SCORECARD_FILE (or default) scorecard as a version, once (the actor `config`), and,
   * while nothing was ever activated, records it as the active one from the start of event time:
   * so the list shows what is in force, and a rollback of the first activation returns to it. No
   * activation record is published for it: it is every replica's timeline base already.
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.transactions.run(async (manager) => {
      await this.versions.lockKind(manager, KIND);
      const stored = await this.versions.insertDraft(manager, { kind: KIND, version: this.base.version, body: this.base, createdBy: 'config', createdAt: this.clock.nowIso() });
      if (stored) await this.audits.record(manager, { actorKeyId: 'config', action: 'scorecard.create', subject: `scorecard:${this.base.version}`, before: null, after: stored });
      else if (!isDeepStrictEqual(await this.storedBody(manager, this.base.version), JSON.parse(JSON.stringify(this.base)))) {
        this.logger.warn({ version: this.base.version }, 'SCORECARD_FILE names a stored version with another body: the stored one is kept (versions are immutable); give the file a new version');
      }
      if ((await this.versions.activations(manager, KIND)).length > 0) return;
      const activated = await this.versions.activate(manager, { kind: KIND, version: this.base.version, action: 'activate', activatedBy: 'config', activatedAt: this.clock.nowIso(), effectiveFrom: BEFORE_ANY_EVENT }, null);
      await this.audits.record(manager, { actorKeyId: 'config', action: 'scorecard.activate', subject: `scorecard:${this.base.version}`, before: stored, after: activated });
    });
  }

  async list(): Promise<ScorecardList> {
    const versions = await this.versions.list(KIND);
    return { active: versions.find((version) => version.status === 'active')?.version ?? null, inForce: this.activations.timeline().latest.version, versions };
  }

  async get(version: string): Promise<ConfigVersion> {
    const found = await this.versions.find(KIND, checkedVersion('version', version));
    if (!found) throw notFound(version);
    return found;
  }

  /** The scorecard a body describes (laid over the default), or 400 naming each bad field. Stores nothing. */
  validate(body: unknown): Scorecard {
    const result = scorecardFromConfig(body);
    if (!result.ok) throw new RequestRejected(400, result.problems.map(problemOf));
    checkedVersion('version', result.scorecard.version);
    return result.scorecard;
  }

  /** Stores a valid body as a draft; 409 when its version exists (the SCORECARD_FILE / default one is stored at start). */
  async create(actorKeyId: string, body: unknown): Promise<ConfigVersion> {
    const { version } = this.validate(body);
    return this.transactions.run(async (manager) => {
      const created = await this.versions.insertDraft(manager, { kind: KIND, version, body, createdBy: actorKeyId, createdAt: this.clock.nowIso() });
      if (!created) throw duplicate(version);
      await this.audits.record(manager, { actorKeyId, action: 'scorecard.create', subject: `scorecard:${version}`, before: null, after: created });
      return created;
    });
  }

  /** Makes `version` active from the current pipeline watermark on; the one active before is retired. */
  async activate(actorKeyId: string, version: string): Promise<ConfigVersion> {
    checkedVersion('version', version);
    const switched = await this.transactions.run(async (manager) => {
      await this.versions.lockKind(manager, KIND);
      const plan = planActivation(await this.versions.list(KIND, manager), version);
      if (!plan.ok) throw plan.refused === 'not-found' ? notFound(version) : new RequestRejected(409, [{ path: 'version', message: `scorecard ${version} is active already` }]);
      return this.switchTo(manager, actorKeyId, 'activate', plan.activate, plan.retire);
    });
    return this.published(switched);
  }

  /** Re-activates the version active before the current one; 409 when there is none. */
  async rollback(actorKeyId: string): Promise<ConfigVersion> {
    const switched = await this.transactions.run(async (manager) => {
      await this.versions.lockKind(manager, KIND);
      const plan = planRollback(await this.versions.activations(manager, KIND));
      if (!plan.ok) throw new RequestRejected(409, [{ path: 'version', message: 'no scorecard was active before the current one: nothing to roll back to' }]);
      return this.switchTo(manager, actorKeyId, 'rollback', plan.activate, plan.retire);
    });
    return this.published(switched);
  }

  /**
   * Publishes a committed switch's activation record at once (with any older unpublished record
   * of the kind first): left to the relay's sweep it would wait OUTBOX_SWEEP_AFTER_MS, while every
   * replica went on scoring events past `effectiveFrom` with the old version. A failed send is
   * left to the sweep (`publishCommitted` never throws).
   */
  private async published(switched: { readonly activated: ConfigVersion; readonly committed: CommittedOutboxRows }): Promise<ConfigVersion> {
    await this.relay.publishCommitted(switched.committed);
    return switched.activated;
  }

  private async storedBody(manager: EntityManager, version: string): Promise<unknown> {
    return (await this.versions.list(KIND, manager)).find((candidate) => candidate.version === version)?.body;
  }

  private async switchTo(
    manager: EntityManager,
    actorKeyId: string,
    action: 'activate' | 'rollback',
    version: string,
    retire: string | null,
  ): Promise<{ activated: ConfigVersion; committed: CommittedOutboxRows }> {
    const activatedAt = this.clock.nowIso();
    const effectiveFrom = activationPoint((await this.watermarks.readWatermark(manager)).watermark, (await this.watermarks.partitionWatermarks(manager)).values());
    const before = (await this.versions.list(KIND, manager)).find((candidate) => candidate.version === version) ?? null;
    const activated = await this.versions.activate(manager, { kind: KIND, version, action, activatedBy: actorKeyId, activatedAt, effectiveFrom }, retire);
    await this.audits.record(manager, { actorKeyId, action: `scorecard.${action}`, subject: `scorecard:${version}`, before: before && { ...before, retiring: retire }, after: activated });
    const record: ConfigActivationRecord = {
      schemaVersion: 1,
      kind: KIND,
      version,
      body: activated.body as Record<string, unknown>,
      effectiveFrom,
      activatedAt,
      activatedBy: actorKeyId,
    };
    const messages = [{ topic: Topics.configActivations, key: KIND, payload: record }];
    return { activated, committed: await enqueueOutboxReturning(manager, SCORING_SCHEMA, messages) };
  }
}

/** `field: message` (scorecardFromConfig's form) as a problem naming the field. */
function problemOf(problem: string): { path: string; message: string } {
  const at = problem.indexOf(': ');
  return at > 0 ? { path: problem.slice(0, at), message: problem.slice(at + 2) } : { path: 'body', message: problem };
}

function checkedVersion(path: string, version: string): string {
  if (!VERSION_ID.test(version)) throw new RequestRejected(400, [{ path, message: 'must be 1-100 letters, digits, dots, colons, dashes or underscores' }]);
  return version;
}

function notFound(version: string): RequestRejected {
  return new RequestRejected(404, [{ path: 'version', message: `no scorecard version ${version.slice(0, 100)}` }]);
}

function duplicate(version: string): RequestRejected {
  return new RequestRejected(409, [{ path: 'version', message: `scorecard version ${version} exists already: versions are immutable, name a new one` }]);
}
