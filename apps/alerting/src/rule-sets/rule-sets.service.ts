import { isDeepStrictEqual } from 'node:util';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { type ConfigActivationRecord, Topics } from '@bellwether/contracts';
import { type RuleSet, ruleSetFromConfig, scoreRuleParams } from '@bellwether/alerting-domain';
import { AdminAuditLog, APP_LOGGER, type AppLogger, Clock, type ConfigVersion, ConfigVersionStore, Outbox, PipelineClock, planActivation, planRollback, RequestRejected, Transactions } from '@bellwether/platform';
import { RULE_SET } from '../alerts/rule-set.provider';
import { RuleSetSource } from './rule-set-activations';
import { VERSION_ID } from './rule-sets.dto';

const KIND = 'rule-set';

/** Before the first watermark (event mode) there is no pipeline time: an activation then applies to every event time. */
const BEFORE_ANY_EVENT = '1970-01-01T00:00:00.000Z';

/** The list of versions: which one is active (stored), and which one this replica has in force from now on. */
export interface RuleSetList {
  /** The active stored version, or null (then RULES_FILE / the built-in default is in force). */
  readonly active: string | null;
  /** The newest rule set this replica has read (`RuleSetActivations`): equals `active` once the activation topic reached it. */
  readonly inForce: string;
  /** Every stored version, newest first. */
  readonly versions: ConfigVersion[];
}

/**
 * Alert rule set versions as immutable data (issue 18 §1), as scoring's scorecards: create a draft
 * from a body (`ruleSetFromConfig`, as RULES_FILE: nothing stored when it is refused), activate a
 * version or roll back (libs/platform `planActivation` / `planRollback`). An activation, its audit
 * entry and its `bellwether.config-activations.v1` record (key `rule-set`, through the outbox)
 * commit in one transaction. The record's `effectiveFrom` is the pipeline time alerting knows
 * (`PipelineClock`): in `CLOCK_MODE=event` scoring's watermark as read from
 * `bellwether.watermarks.v1` (the Unix epoch before the first), in `wall` mode the wall clock; so
 * every replica (and a replay) switches at the same event time. Errors are `RequestRejected`
 * naming the field.
 */
@Injectable()
export class RuleSetsService implements OnApplicationBootstrap {
  constructor(
    private readonly transactions: Transactions,
    private readonly versions: ConfigVersionStore,
    private readonly audits: AdminAuditLog,
    private readonly outbox: Outbox,
    private readonly pipelineClock: PipelineClock,
    private readonly activations: RuleSetSource,
    private readonly clock: Clock,
    @Inject(RULE_SET) private readonly base: RuleSet,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {}

  /**
   * Stores the RULES_FILE (or built-in default) rule set as a version, once (the actor `config`),
   * and, while nothing was ever activated, records it as the active one from the start of event
   * time: so the list shows what is in force, and a rollback of the first activation returns to
   * it. No activation record is published for it: it is every replica's timeline base already.
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.transactions.run(async (manager) => {
      await this.versions.lockKind(manager, KIND);
      const stored = await this.versions.insertDraft(manager, { kind: KIND, version: this.base.version, body: this.base, createdBy: 'config', createdAt: this.clock.nowIso() });
      if (stored) await this.audits.record(manager, { actorKeyId: 'config', action: 'rule-set.create', subject: `rule-set:${this.base.version}`, before: null, after: stored });
      else if (!isDeepStrictEqual(await this.storedBody(manager, this.base.version), JSON.parse(JSON.stringify(this.base)))) {
        this.logger.warn({ version: this.base.version }, 'RULES_FILE names a stored version with another body: the stored one is kept (versions are immutable); give the file a new version');
      }
      if ((await this.versions.activations(manager, KIND)).length > 0) return;
      const activated = await this.versions.activate(manager, { kind: KIND, version: this.base.version, action: 'activate', activatedBy: 'config', activatedAt: this.clock.nowIso(), effectiveFrom: BEFORE_ANY_EVENT }, null);
      await this.audits.record(manager, { actorKeyId: 'config', action: 'rule-set.activate', subject: `rule-set:${this.base.version}`, before: stored, after: activated });
    });
  }

  async list(): Promise<RuleSetList> {
    const versions = await this.versions.list(KIND);
    return { active: versions.find((version) => version.status === 'active')?.version ?? null, inForce: this.activations.timeline().latest.version, versions };
  }

  async get(version: string): Promise<ConfigVersion> {
    const found = await this.versions.find(KIND, checkedVersion(version));
    if (!found) throw notFound(version);
    return found;
  }

  /** The rule set a body describes, whole (as RULES_FILE: a rule it leaves out does not run), or 400 naming each bad field. Stores nothing. */
  validate(body: unknown): RuleSet {
    const result = ruleSetFromConfig(body, scoreRuleParams);
    const problems = result.ok ? [] : result.problems.map(problemOf);
    const version = (body as { version?: unknown }).version;
    if (typeof version === 'string' && !VERSION_ID.test(version) && !problems.some((problem) => problem.path === 'version')) problems.push(versionProblem());
    if (problems.length > 0 || !result.ok) throw new RequestRejected(400, problems);
    return result.ruleSet;
  }

  /** Stores a valid body as a draft; 409 when its version exists (the RULES_FILE / default one is stored at start). */
  async create(actorKeyId: string, body: unknown): Promise<ConfigVersion> {
    const { version } = this.validate(body);
    return this.transactions.run(async (manager) => {
      const created = await this.versions.insertDraft(manager, { kind: KIND, version, body, createdBy: actorKeyId, createdAt: this.clock.nowIso() });
      if (!created) throw duplicate(version);
      await this.audits.record(manager, { actorKeyId, action: 'rule-set.create', subject: `rule-set:${version}`, before: null, after: created });
      return created;
    });
  }

  /** Makes `version` active from the current pipeline time on; the one active before is retired. */
  async activate(actorKeyId: string, version: string): Promise<ConfigVersion> {
    checkedVersion(version);
    return this.transactions.run(async (manager) => {
      await this.versions.lockKind(manager, KIND);
      const plan = planActivation(await this.versions.list(KIND, manager), version);
      if (!plan.ok) throw plan.refused === 'not-found' ? notFound(version) : new RequestRejected(409, [{ path: 'version', message: `rule set ${version} is active already` }]);
      return this.switchTo(manager, actorKeyId, 'activate', plan.activate, plan.retire);
    });
  }

  /** Re-activates the version active before the current one; 409 when there is none. */
  async rollback(actorKeyId: string): Promise<ConfigVersion> {
    return this.transactions.run(async (manager) => {
      await this.versions.lockKind(manager, KIND);
      const plan = planRollback(await this.versions.activations(manager, KIND));
      if (!plan.ok) throw new RequestRejected(409, [{ path: 'version', message: 'no rule set was active before the current one: nothing to roll back to' }]);
      return this.switchTo(manager, actorKeyId, 'rollback', plan.activate, plan.retire);
    });
  }

  private async storedBody(manager: EntityManager, version: string): Promise<unknown> {
    return (await this.versions.list(KIND, manager)).find((candidate) => candidate.version === version)?.body;
  }

  private async switchTo(manager: EntityManager, actorKeyId: string, action: 'activate' | 'rollback', version: string, retire: string | null): Promise<ConfigVersion> {
    const activatedAt = this.clock.nowIso();
    // Event mode: scoring's watermark as alerting read it; wall mode: the wall clock.
    const effectiveFrom = this.pipelineClock.now() ?? BEFORE_ANY_EVENT;
    const before = (await this.versions.list(KIND, manager)).find((candidate) => candidate.version === version) ?? null;
    const activated = await this.versions.activate(manager, { kind: KIND, version, action, activatedBy: actorKeyId, activatedAt, effectiveFrom }, retire);
    await this.audits.record(manager, { actorKeyId, action: `rule-set.${action}`, subject: `rule-set:${version}`, before: before && { ...before, retiring: retire }, after: activated });
    const record: ConfigActivationRecord = {
      schemaVersion: 1,
      kind: KIND,
      version,
      body: activated.body as Record<string, unknown>,
      effectiveFrom,
      activatedAt,
      activatedBy: actorKeyId,
    };
    await this.outbox.enqueue(manager, [{ topic: Topics.configActivations, key: KIND, payload: record }]);
    return activated;
  }
}

/** `field: message` (validateRuleSet's form) as a problem naming the field. */
function problemOf(problem: string): { path: string; message: string } {
  const at = problem.indexOf(': ');
  return at > 0 ? { path: problem.slice(0, at), message: problem.slice(at + 2) } : { path: 'body', message: problem };
}

function versionProblem(): { path: string; message: string } {
  return { path: 'version', message: 'must be 1-100 letters, digits, dots, colons, dashes or underscores' };
}

function checkedVersion(version: string): string {
  if (!VERSION_ID.test(version)) throw new RequestRejected(400, [versionProblem()]);
  return version;
}

function notFound(version: string): RequestRejected {
  return new RequestRejected(404, [{ path: 'version', message: `no rule set version ${version.slice(0, 100)}` }]);
}

function duplicate(version: string): RequestRejected {
  return new RequestRejected(409, [{ path: 'version', message: `rule set version ${version} exists already: versions are immutable, name a new one` }]);
}
