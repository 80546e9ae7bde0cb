import { isDeepStrictEqual } from 'node:util';
import type { EntityManager } from 'typeorm';
import { BEFORE_ANY_EVENT, CONFIG_VERSION_ID, type ConfigActivationRecord, Topics } from '@bellwether/contracts';
import type { AdminAuditLog } from '../audit/admin-audit';
import type { Clock } from '../clock/clock';
import type { Transactions } from '../database/transactions';
import { RequestRejected, type RequestProblem } from '../http/http-error.filter';
import type { AppLogger } from '../logging/logger';
import { type CommittedOutboxRows, enqueueOutboxReturning } from '../outbox/outbox';
import type { OutboxRelay } from '../outbox/outbox-relay';
import { type ConfigVersion, planActivation, planRollback } from './config-lifecycle';
import type { ConfigVersionStore } from './config-versions.store';
import type { ConfigParse } from './config-activations.reader';


/** The list of versions: which one is active (stored), and which one this replica has in force from now on. */
export interface ConfigVersionList {
  /** The active stored version, or null (then the service's file / default is in force). */
  readonly active: string | null;
  /** The newest version this replica has read from the activation topic: equals `active` once the topic reached it. */
  readonly inForce: string;
  /** Every stored version, newest first. */
  readonly versions: ConfigVersion[];
}

/** What `ConfigVersionAdmin` does its work with: the owning service's stores, outbox and clock. */
export interface ConfigVersionAdminPorts {
  readonly transactions: Transactions;
  readonly versions: ConfigVersionStore;
  readonly audits: AdminAuditLog;
  /** The service's schema, whose outbox carries the activation records. */
  readonly schema: string;
  /** Publishes an activation record right after its commit. */
  readonly relay: OutboxRelay;
  readonly clock: Clock;
  readonly logger: AppLogger;
}

/** One kind's rules: how its bodies are checked, what was in force at start, and where pipeline time comes from. */
export interface ConfigVersionAdminOptions<T extends { readonly version: string }> {
  readonly kind: ConfigActivationRecord['kind'];
  /** The kind in messages: `scorecard`, `rule set`. */
  readonly noun: string;
  /** The variable of the file the base comes from (`SCORECARD_FILE`), for the log. */
  readonly fileVariable: string;
  /** The file's (or built-in default) configuration: stored as the first version. */
  readonly base: T;
  /** Checks a posted body: the configuration, or each problem as `field: message`. */
  readonly parse: ConfigParse<T>;
  /**
   * The event time (ISO-8601) from which an activation made now applies, read in the activation's
   * transaction: `activationPoint` over what the service has already decided (libs/contracts), so
   * nothing decided before the activation falls after it.
   */
  readonly effectiveFrom: (manager: EntityManager) => Promise<string>;
  /** The version this replica has in force from now on (its activation reader's newest). */
  readonly inForce: () => string;
  /**
   * When given, what in a configuration contradicts the versions stored (each of them, its id and
   * body): a create is then refused with 409 naming them (checked under the kind's lock), and a
   * base that has any is logged at start. Playbook sets: a playbook `(id, version)` redefined.
   */
  readonly conflicts?: (config: T, stored: readonly ConfigVersion[]) => RequestProblem[];
}

/**
 * A configuration kind's admin use cases (issue 18 §1), the same in every owning service: store
 * the file/default as the first active version, list, get, validate, create a draft (nothing
 * stored when `parse` refuses: 400 naming each field; 409 on a duplicate version), activate or
 * roll back (libs/platform `planActivation` / `planRollback`, under the kind's lock). An
 * activation, its audit entry (`<kind>.create|activate|rollback`, subject `<kind>:<version>`) and
 * its `bellwether.config-activations.v1` record (key: the kind, through the outbox) commit in one
 * transaction, and the record is published right after the commit (`OutboxRelay.publishCommitted`:
 * left to the relay's sweep it would wait OUTBOX_SWEEP_AFTER_MS while every replica went on with
 * the old version); the record's `effectiveFrom` is `options.effectiveFrom` (after everything
 * already decided), so every replica (and a replay) switches at the same event time. Errors are
 * `RequestRejected`. Scoring's scorecards and alerting's rule sets use one each.
 */
export class ConfigVersionAdmin<T extends { readonly version: string }> {
  constructor(
    private readonly ports: ConfigVersionAdminPorts,
    private readonly options: ConfigVersionAdminOptions<T>,
  ) {}

  /**
   * Stores the base as a version, once (the actor `config`), and, while nothing was ever
   * activated, records it as the active one from the start of event time: so the list shows what
   * is in force, and a rollback of the first activation returns to it. No activation record is
   * published for it: it is every replica's timeline base already. A base naming a stored version
   * with another body is logged: the stored body stays (versions are immutable).
   */
  async storeBase(): Promise<void> {
    const { kind, base } = this.options;
    await this.ports.transactions.run(async (manager) => {
      await this.ports.versions.lockKind(manager, kind);
      const stored = await this.ports.versions.insertDraft(manager, { kind, version: base.version, body: base, createdBy: 'config', createdAt: this.ports.clock.nowIso() });
      if (stored) await this.ports.audits.record(manager, { actorKeyId: 'config', action: `${kind}.create`, subject: `${kind}:${base.version}`, before: null, after: stored });
      else if (!isDeepStrictEqual(await this.stored(manager, base.version).then((version) => version?.body), JSON.parse(JSON.stringify(base)))) {
        this.ports.logger.warn({ kind, version: base.version }, `${this.options.fileVariable} names a stored version with another body: the stored one is kept (versions are immutable); give the file a new version`);
      }
      const conflicts = this.options.conflicts?.(base, await this.ports.versions.list(kind, manager)) ?? [];
      if (conflicts.length > 0) this.ports.logger.warn({ kind, version: base.version, conflicts }, `${this.options.fileVariable} contradicts a stored version (see conflicts): the stored ones are kept`);
      if ((await this.ports.versions.activations(manager, kind)).length > 0) return;
      const activated = await this.ports.versions.activate(
        manager,
        { kind, version: base.version, action: 'activate', activatedBy: 'config', activatedAt: this.ports.clock.nowIso(), effectiveFrom: BEFORE_ANY_EVENT },
        null,
      );
      await this.ports.audits.record(manager, { actorKeyId: 'config', action: `${kind}.activate`, subject: `${kind}:${base.version}`, before: stored, after: activated });
    });
  }

  async list(): Promise<ConfigVersionList> {
    const versions = await this.ports.versions.list(this.options.kind);
    return { active: versions.find((version) => version.status === 'active')?.version ?? null, inForce: this.options.inForce(), versions };
  }

  async get(version: string): Promise<ConfigVersion> {
    const found = await this.ports.versions.find(this.options.kind, checkedVersion(version));
    if (!found) throw this.notFound(version);
    return found;
  }

  /** The configuration a body describes, or 400 naming each bad field (the version also as `CONFIG_VERSION_ID`). Stores nothing. */
  validate(body: unknown): T {
    const result = this.options.parse(body);
    const problems = result.ok ? [] : result.problems.map(problemOf);
    const version = result.ok ? result.config.version : (body as { version?: unknown } | null)?.version;
    if (typeof version === 'string' && !CONFIG_VERSION_ID.test(version) && !problems.some((problem) => problem.path === 'version')) problems.push(versionProblem);
    if (!result.ok || problems.length > 0) throw new RequestRejected(400, problems);
    return result.config;
  }

  /** Stores a valid body as a draft; 409 when its version exists (the base is stored at start). */
  async create(actorKeyId: string, body: unknown): Promise<ConfigVersion> {
    const { kind, noun } = this.options;
    const config = this.validate(body);
    const { version } = config;
    return this.ports.transactions.run(async (manager) => {
      if (this.options.conflicts) {
        await this.ports.versions.lockKind(manager, kind);
        const conflicts = this.options.conflicts(config, await this.ports.versions.list(kind, manager));
        if (conflicts.length > 0) throw new RequestRejected(409, conflicts);
      }
      const created = await this.ports.versions.insertDraft(manager, { kind, version, body, createdBy: actorKeyId, createdAt: this.ports.clock.nowIso() });
      if (!created) throw new RequestRejected(409, [{ path: 'version', message: `${noun} version ${version} exists already: versions are immutable, name a new one` }]);
      await this.ports.audits.record(manager, { actorKeyId, action: `${kind}.create`, subject: `${kind}:${version}`, before: null, after: created });
      return created;
    });
  }

  /** Makes `version` active from the current pipeline time on; the one active before is retired. 404 / 409 when there is none such or it is active. */
  async activate(actorKeyId: string, version: string): Promise<ConfigVersion> {
    checkedVersion(version);
    const switched = await this.ports.transactions.run(async (manager) => {
      await this.ports.versions.lockKind(manager, this.options.kind);
      const plan = planActivation(await this.ports.versions.list(this.options.kind, manager), version);
      if (!plan.ok) throw plan.refused === 'not-found' ? this.notFound(version) : new RequestRejected(409, [{ path: 'version', message: `${this.options.noun} ${version} is active already` }]);
      return this.switchTo(manager, actorKeyId, 'activate', plan.activate, plan.retire);
    });
    return this.published(switched);
  }

  /** Re-activates the version active before the current one; 409 when there is none. */
  async rollback(actorKeyId: string): Promise<ConfigVersion> {
    const switched = await this.ports.transactions.run(async (manager) => {
      await this.ports.versions.lockKind(manager, this.options.kind);
      const plan = planRollback(await this.ports.versions.activations(manager, this.options.kind));
      if (!plan.ok) throw new RequestRejected(409, [{ path: 'version', message: `no ${this.options.noun} was active before the current one: nothing to roll back to` }]);
      return this.switchTo(manager, actorKeyId, 'rollback', plan.activate, plan.retire);
    });
    return this.published(switched);
  }

  /** Publishes a committed switch's record at once (a failed send is left to the relay's sweep: `publishCommitted` never throws). */
  private async published(switched: { readonly activated: ConfigVersion; readonly committed: CommittedOutboxRows }): Promise<ConfigVersion> {
    await this.ports.relay.publishCommitted(switched.committed);
    return switched.activated;
  }

  private async stored(manager: EntityManager, version: string): Promise<ConfigVersion | null> {
    return (await this.ports.versions.list(this.options.kind, manager)).find((candidate) => candidate.version === version) ?? null;
  }

  private async switchTo(
    manager: EntityManager,
    actorKeyId: string,
    action: 'activate' | 'rollback',
    version: string,
    retire: string | null,
  ): Promise<{ activated: ConfigVersion; committed: CommittedOutboxRows }> {
    const { kind } = this.options;
    const activatedAt = this.ports.clock.nowIso();
    const effectiveFrom = await this.options.effectiveFrom(manager);
    const before = await this.stored(manager, version);
    const activated = await this.ports.versions.activate(manager, { kind, version, action, activatedBy: actorKeyId, activatedAt, effectiveFrom }, retire);
    await this.ports.audits.record(manager, { actorKeyId, action: `${kind}.${action}`, subject: `${kind}:${version}`, before: before && { ...before, retiring: retire }, after: activated });
    const record: ConfigActivationRecord = { schemaVersion: 1, kind, version, body: activated.body as Record<string, unknown>, effectiveFrom, activatedAt, activatedBy: actorKeyId };
    return { activated, committed: await enqueueOutboxReturning(manager, this.ports.schema, [{ topic: Topics.configActivations, key: kind, payload: record }]) };
  }

  private notFound(version: string): RequestRejected {
    return new RequestRejected(404, [{ path: 'version', message: `no ${this.options.noun} version ${version.slice(0, 100)}` }]);
  }
}

const versionProblem: RequestProblem = { path: 'version', message: 'must be 1-100 letters, digits, dots, colons, dashes or underscores' };

/** `field: message` (the domain validators' form) as a problem naming the field. */
function problemOf(problem: string): RequestProblem {
  const at = problem.indexOf(': ');
  return at > 0 ? { path: problem.slice(0, at), message: problem.slice(at + 2) } : { path: 'body', message: problem };
}

function checkedVersion(version: string): string {
  if (!CONFIG_VERSION_ID.test(version)) throw new RequestRejected(400, [versionProblem]);
  return version;
}
