import type { DataSource, EntityManager } from 'typeorm';
import { ConfigTimeline, type AlertLifecycleEvent, type IncidentLifecycleEvent, type ScoreChanged } from '@bellwether/contracts';
import { defaultRuleSet, priorityOf, ruleSetTimeline, type HysteresisState, type RuleSet, type RuleSetTimeline } from '@bellwether/alerting-domain';
import type { PipelineClock } from '@bellwether/platform';
import { scoreChanged, scoreSnapshot } from '@bellwether/testing';
import { AlertingEnv } from '../alerting.env';
import { IncidentBook } from '../incidents/incident-book';
import type { IncidentRepository, StoredIncident } from '../incidents/incident.repository';
import { fixedRuleSets } from '../rule-sets/rule-set-activations';
import { AlertApplicationService } from './alert-application.service';
import type { AlertEvents } from './alert-events';
import { AccountWorkingSet, type AccountWorkingSetStore } from './account-working-set';
import type { AccountScorePoint, AlertRepository, StoredAlert } from './alert.repository';

// Unit tests of the orchestration with typed in-memory fakes: each fake implements the part of
// its dependency the service uses (a `Pick` of the real class). The SQL itself is covered by the
// integration specs on a real Postgres.

const manager = {} as EntityManager;

class FakeAlerts implements Pick<AlertRepository, 'claimChanges'> {
  readonly claimed = new Set<string>();

  async claimChanges(_manager: EntityManager, changeIds: readonly string[]): Promise<Set<string>> {
    const fresh = changeIds.filter((id) => !this.claimed.has(id));
    fresh.forEach((id) => this.claimed.add(id));
    return new Set(fresh);
  }
}

/** The stored rows, read into a real working set by `load` and written back by `flush`. */
class FakeStore implements Pick<AccountWorkingSetStore, 'load' | 'flush'> {
  readonly rows = new Map<string, StoredAlert>();
  readonly incidents = new Map<string, StoredIncident>();
  readonly holds = new Map<string, Map<string, HysteresisState>>();
  readonly points: AccountScorePoint[] = [];
  readonly loads: string[][] = [];
  readonly flushes: ReturnType<AccountWorkingSet['writes']>[] = [];

  async load(_manager: EntityManager, changes: readonly ScoreChanged[]): Promise<AccountWorkingSet> {
    this.loads.push(changes.map((change) => change.changeId));
    const accountIds = new Set(changes.map((change) => change.accountId));
    return new AccountWorkingSet({
      pointsSince: new Map([...accountIds].map((accountId) => [accountId, '2026-01-01T00:00:00.000Z'])),
      alerts: [...this.rows.values()].filter((alert) => accountIds.has(alert.accountId)),
      incidents: [...this.incidents.values()].filter((incident) => accountIds.has(incident.accountId)),
      holds: this.holds,
      points: this.points.filter((point) => accountIds.has(point.accountId)),
    });
  }

  async flush(_manager: EntityManager, set: AccountWorkingSet): Promise<void> {
    const writes = set.writes();
    this.flushes.push(writes);
    for (const { alert } of writes.existingAlerts) this.rows.set(alert.alertId, alert);
    for (const alert of writes.insertedAlerts) this.rows.set(alert.alertId, alert);
    for (const incident of [...writes.existingIncidents, ...writes.otherIncidents]) this.incidents.set(incident.incidentId, incident);
    this.points.push(...writes.scorePoints.upserts);
  }
}

class FakeEvents implements Pick<AlertEvents, 'emit' | 'emitIncidents'> {
  readonly alerts: AlertLifecycleEvent[] = [];
  readonly incidents: IncidentLifecycleEvent[] = [];

  async emit(_manager: EntityManager, events: readonly AlertLifecycleEvent[]): Promise<void> {
    this.alerts.push(...events);
  }

  async emitIncidents(_manager: EntityManager, events: readonly IncidentLifecycleEvent[]): Promise<void> {
    this.incidents.push(...events);
  }
}

/** A change of acc-1 whose health falls into red (health_entered_red: critical, no hold). */
function intoRed(overrides: Partial<ScoreChanged> = {}): ScoreChanged {
  return scoreChanged({ after: scoreSnapshot({ health: 35, band: 'red' }), ...overrides });
}

function setUp(clock: Pick<PipelineClock, 'mode' | 'now'> = { mode: 'event', now: () => null }, ruleSet: RuleSet | RuleSetTimeline = defaultRuleSet) {
  const alerts = new FakeAlerts();
  const store = new FakeStore();
  // The fold is pure; the repositories are only used by `refold`, which the batch does not call.
  const book = new IncidentBook({} as IncidentRepository, {} as AlertRepository);
  const events = new FakeEvents();
  const env = Object.assign(new AlertingEnv(), { CONTACT_BUDGET_ALERTS: 2, CONTACT_BUDGET_PERIOD_DAYS: 7, ESCALATION_SLA_SECONDS: 4 * 3600 });
  const dataSource = { transaction: <T>(work: (transaction: EntityManager) => Promise<T>): Promise<T> => work(manager) };
  // The fakes stand in for the real classes: each implements the methods the service calls.
  const service = new AlertApplicationService(
    dataSource as unknown as DataSource,
    env,
    events as unknown as AlertEvents,
    clock as unknown as PipelineClock,
    alerts as unknown as AlertRepository,
    store as unknown as AccountWorkingSetStore,
    book,
    ruleSet instanceof ConfigTimeline ? { timeline: () => ruleSet, caughtUp: Promise.resolve() } : fixedRuleSets(ruleSet),
  );
  return { service, store, events };
}

const redAlertOf = (store: FakeStore): StoredAlert | undefined => [...store.rows.values()].find((alert) => alert.ruleId === 'health_entered_red');
const recorded = (store: FakeStore): string[] => store.points.map((point) => `${point.accountId}@${point.eventTime}`);

describe('AlertApplicationService', () => {
  it('opens a critical alert routed to the CSM, priced by ARR, due by the SLA from its event time, and stamps its incident on the event', async () => {
    const { service, store, events } = setUp();
    const published = await service.applyBatch([intoRed()]);

    const alert = redAlertOf(store);
    expect(alert).toMatchObject({ status: 'open', queue: 'csm:csm-9', csmId: 'csm-9', priority: priorityOf('critical', 24_000), slaDueAt: '2026-03-02T14:00:00.000Z' });
    const [incident] = events.incidents;
    expect(events.incidents).toEqual([expect.objectContaining({ kind: 'opened', category: 'risk', occurredAt: '2026-03-02T10:00:00.000Z' })]);
    expect(events.alerts).toContainEqual(expect.objectContaining({ kind: 'opened', alertId: alert?.alertId, incidentId: incident?.incidentId }));
    expect(alert?.incidentId).toBe(incident?.incidentId);
    expect(store.incidents.get(incident?.incidentId ?? '')).toMatchObject({ status: 'open', category: 'risk' });
    expect(published).toBe(events.alerts.length + events.incidents.length);
    expect(recorded(store)).toEqual(['acc-1@2026-03-02T10:00:00.000Z']);
  });

  it('records the version of the rule set in force on every alert it opens, updates or resolves, and on its events', async () => {
    const { service, store, events } = setUp();
    await service.applyBatch([intoRed()]);
    expect([...store.rows.values()].map((alert) => alert.ruleSetVersion)).toEqual(expect.arrayContaining([defaultRuleSet.version]));
    expect([...store.rows.values()].every((alert) => alert.ruleSetVersion === defaultRuleSet.version)).toBe(true);
    expect(events.alerts.length).toBeGreaterThan(0);
    expect(events.alerts.every((event) => event.ruleSetVersion === defaultRuleSet.version)).toBe(true);

    // Back to green: health_entered_red resolves after its clear-for (72 h), under the same version.
    const green = (sequence: number, eventTime: string) =>
      intoRed({ changeId: `acc-1:${sequence}`, sequence, eventTime, before: scoreSnapshot({ health: 80 }), after: scoreSnapshot({ health: 80 }) });
    events.alerts.length = 0;
    await service.applyBatch([green(2, '2026-03-03T10:00:00.000Z'), green(3, '2026-03-06T11:00:00.000Z')]);
    expect(events.alerts).toContainEqual(expect.objectContaining({ kind: 'resolved', rule: 'health_entered_red', ruleSetVersion: defaultRuleSet.version }));
  });

  it('runs the rule set it is given, not the built-in one: a raised threshold opens nothing where the default opens an alert', async () => {
    const drop = intoRed({ before: scoreSnapshot({ health: 72 }), after: scoreSnapshot({ health: 52, band: 'yellow' }) });
    const withDefault = setUp();
    await withDefault.service.applyBatch([drop]);
    expect([...withDefault.store.rows.values()].map((alert) => alert.ruleId)).toContain('health_dropped');

    const stricter: RuleSet = {
      version: 'acme-strict-1',
      rules: defaultRuleSet.rules.map((rule) => (rule.id === 'health_dropped' ? { ...rule, params: { ...rule.params, dropPoints: 30 } } : rule)),
    };
    const withFile = setUp(undefined, stricter);
    await withFile.service.applyBatch([drop]);
    expect([...withFile.store.rows.values()].map((alert) => alert.ruleId)).not.toContain('health_dropped');
  });

  it('evaluates each change with the rule set in force at its own event time, and records the version that decided (issue 18 §1)', async () => {
    const stricter: RuleSet = {
      version: 'acme-strict-2',
      rules: defaultRuleSet.rules.map((rule) => (rule.id === 'health_dropped' ? { ...rule, params: { ...rule.params, dropPoints: 30 } } : rule)),
    };
    const timeline = ruleSetTimeline(defaultRuleSet, [{ version: stricter.version, config: stricter, effectiveFrom: '2026-03-04T00:00:00.000Z', activatedAt: '2026-03-04T09:00:00.000Z' }]);
    const { service, store } = setUp(undefined, timeline);
    // The same 20-point fall on three accounts: before the activation's effectiveFrom, and after it; and a 42-point fall after it.
    const fall = (accountId: string, eventTime: string, after: number) =>
      intoRed({ accountId, changeId: `${accountId}:1`, eventTime, before: scoreSnapshot({ health: 72 }), after: scoreSnapshot({ health: after, band: after < 40 ? 'red' : 'yellow' }) });
    await service.applyBatch([fall('acc-before', '2026-03-03T23:59:59.000Z', 52), fall('acc-after', '2026-03-04T00:00:00.000Z', 52), fall('acc-deep', '2026-03-05T00:00:00.000Z', 30)]);
    const dropped = (accountId: string) => [...store.rows.values()].find((alert) => alert.accountId === accountId && alert.ruleId === 'health_dropped')?.ruleSetVersion ?? null;
    expect([dropped('acc-before'), dropped('acc-after'), dropped('acc-deep')]).toEqual([defaultRuleSet.version, null, 'acme-strict-2']);
  });

  it('starts the SLA at the wall clock in wall mode when the event is older', async () => {
    const { service, store } = setUp({ mode: 'wall', now: () => '2026-03-05T00:00:00.000Z' });
    await service.applyBatch([intoRed()]);
    expect(redAlertOf(store)?.slaDueAt).toBe('2026-03-05T04:00:00.000Z');
  });

  it('skips a redelivered change: nothing is applied or published twice', async () => {
    const { service, store, events } = setUp();
    await service.applyBatch([intoRed()]);
    const opened = store.rows.size;
    const publishedBefore = events.alerts.length;

    expect(await service.applyBatch([intoRed()])).toBe(0);
    expect(store.rows.size).toBe(opened);
    expect(events.alerts).toHaveLength(publishedBefore);
    expect(store.loads).toHaveLength(1);
  });

  it('suppresses an opening alert when the contact budget of the period is spent', async () => {
    const { service, store } = setUp();
    for (const n of [1, 2]) {
      store.incidents.set(`in_old${n}`, {
        incidentId: `in_old${n}`, accountId: 'acc-1', category: 'expansion', severity: 'low', status: 'resolved', priority: 1, queue: 'csm:csm-9', csmId: 'csm-9',
        escalatedTo: null, openedAt: '2026-02-24T00:00:00.000Z', lastSeenAt: '2026-02-24T00:00:00.000Z', resolvedAt: '2026-02-24T00:00:00.000Z', ruleIds: [], rules: [], revision: 2,
      });
    }
    expect(await service.applyBatch([intoRed()])).toBe(0);
    expect(store.rows.size).toBe(0);
  });

  it('resolves a churned account’s active alerts as churned, drops its hysteresis and resolves its incidents with outcome churned', async () => {
    const { service, store, events } = setUp();
    await service.applyBatch([intoRed()]);
    store.holds.set('acc-1', new Map([['usage_drop', { firingSince: '2026-03-01T00:00:00.000Z' }]]));
    const churned = intoRed({ changeId: 'acc-1:8', sequence: 8, eventTime: '2026-03-03T10:00:00.000Z', account: { csmId: 'csm-9', mrr: 2000, churnedAt: '2026-03-03' } });
    events.alerts.length = 0;
    events.incidents.length = 0;

    await service.applyBatch([churned]);
    expect(store.rows.size).toBeGreaterThan(0);
    expect([...store.rows.values()].every((alert) => alert.status === 'resolved' && alert.outcome === 'churned')).toBe(true);
    expect(events.alerts.length).toBe(store.rows.size);
    expect(events.alerts.every((event) => event.kind === 'resolved')).toBe(true);
    expect(store.flushes.at(-1)?.holds).toEqual([{ accountId: 'acc-1', ruleId: 'usage_drop', state: null }]);
    expect(events.incidents).toEqual([expect.objectContaining({ kind: 'resolved', outcome: 'churned' })]);
  });

  it('applies a batch account by account in sequence order, read and written once', async () => {
    const { service, store } = setUp();
    const calm = { after: scoreSnapshot(), before: scoreSnapshot() };
    await service.applyBatch([
      intoRed({ ...calm, accountId: 'acc-2', changeId: 'acc-2:1', sequence: 1 }),
      intoRed({ ...calm, changeId: 'acc-1:9', sequence: 9, eventTime: '2026-03-02T11:00:00.000Z' }),
      intoRed({ ...calm, changeId: 'acc-1:8', sequence: 8 }),
    ]);
    expect(store.loads).toEqual([['acc-1:8', 'acc-1:9', 'acc-2:1']]);
    expect(store.flushes).toHaveLength(1);
    expect(recorded(store)).toEqual(['acc-1@2026-03-02T10:00:00.000Z', 'acc-1@2026-03-02T11:00:00.000Z', 'acc-2@2026-03-02T10:00:00.000Z']);
  });
});
