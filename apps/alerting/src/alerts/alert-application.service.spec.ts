import type { DataSource, EntityManager } from 'typeorm';
import type { AlertCategory, AlertLifecycleEvent, IncidentLifecycleEvent, ScoreChanged } from '@bellwether/contracts';
import { priorityOf, type HysteresisState } from '@bellwether/alerting-domain';
import type { PipelineClock } from '@bellwether/platform';
import { scoreChanged, scoreSnapshot } from '@bellwether/testing';
import { AlertingEnv } from '../alerting.env';
import type { IncidentBook, RefoldOptions, RefoldResult } from '../incidents/incident-book';
import type { IncidentRepository, StoredIncident } from '../incidents/incident.repository';
import { AlertApplicationService } from './alert-application.service';
import type { AlertEvents } from './alert-events';
import type { AlertRepository, StoredAlert } from './alert.repository';

// Unit tests of the orchestration with typed in-memory fakes: each fake implements the part of
// its dependency the service uses (a `Pick` of the real class). The SQL itself is covered by the
// integration specs on a real Postgres.

const manager = {} as EntityManager;

class FakeAlerts implements Pick<AlertRepository, 'claimChanges' | 'lockAccount' | 'recentScores' | 'alertsOf' | 'insert' | 'update' | 'recordScore'> {
  readonly claimed = new Set<string>();
  readonly rows = new Map<string, StoredAlert>();
  readonly locks: string[] = [];
  readonly recorded: ScoreChanged[] = [];

  async claimChanges(_manager: EntityManager, changeIds: readonly string[]): Promise<Set<string>> {
    const fresh = changeIds.filter((id) => !this.claimed.has(id));
    fresh.forEach((id) => this.claimed.add(id));
    return new Set(fresh);
  }

  async lockAccount(_manager: EntityManager, accountId: string): Promise<void> {
    this.locks.push(accountId);
  }

  async recentScores(): Promise<[]> {
    return [];
  }

  async alertsOf(_manager: EntityManager, accountId: string): Promise<{ active: StoredAlert[]; lastResolved: Map<string, StoredAlert> }> {
    const own = [...this.rows.values()].filter((alert) => alert.accountId === accountId);
    return { active: own.filter((alert) => alert.status !== 'resolved'), lastResolved: new Map(own.filter((alert) => alert.status === 'resolved').map((alert) => [alert.ruleId, alert])) };
  }

  async insert(_manager: EntityManager, alert: StoredAlert): Promise<void> {
    this.rows.set(alert.alertId, alert);
  }

  async update(_manager: EntityManager, alert: StoredAlert): Promise<void> {
    this.rows.set(alert.alertId, alert);
  }

  async recordScore(_manager: EntityManager, change: ScoreChanged): Promise<void> {
    this.recorded.push(change);
  }
}

class FakeIncidents implements Pick<IncidentRepository, 'openedSince' | 'hysteresisOf' | 'saveHysteresis' | 'dropHysteresis'> {
  openedInPeriod = 0;
  readonly budgetWindows: string[] = [];
  readonly holds = new Map<string, HysteresisState>();
  readonly dropped: string[] = [];

  async openedSince(_manager: EntityManager, _accountId: string, since: string): Promise<number> {
    this.budgetWindows.push(since);
    return this.openedInPeriod;
  }

  async hysteresisOf(): Promise<Map<string, HysteresisState>> {
    return new Map(this.holds);
  }

  async saveHysteresis(_manager: EntityManager, _accountId: string, ruleId: string, state: HysteresisState | null): Promise<void> {
    if (state) this.holds.set(ruleId, state);
    else this.holds.delete(ruleId);
  }

  async dropHysteresis(_manager: EntityManager, accountId: string): Promise<void> {
    this.dropped.push(accountId);
  }
}

/** Folds nothing itself: reports an incident `in_<category>` for a category with active alerts in `alerts`. */
class FakeBook implements Pick<IncidentBook, 'refold'> {
  readonly calls: { accountId: string; category: AlertCategory; now: string; options: RefoldOptions }[] = [];

  constructor(private readonly alerts: FakeAlerts) {}

  async refold(_manager: EntityManager, accountId: string, category: AlertCategory, now: string, options: RefoldOptions = {}): Promise<RefoldResult> {
    this.calls.push({ accountId, category, now, options });
    const active = [...this.alerts.rows.values()].some((alert) => alert.accountId === accountId && alert.category === category && alert.status !== 'resolved');
    if (!active) return { incident: null, event: null };
    const incident = { incidentId: `in_${category}`, accountId, category } as StoredIncident;
    return { incident, event: { eventId: `in_${category}:1`, incidentId: incident.incidentId } as IncidentLifecycleEvent };
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

function setUp(clock: Pick<PipelineClock, 'mode' | 'now'> = { mode: 'event', now: () => null }) {
  const alerts = new FakeAlerts();
  const incidents = new FakeIncidents();
  const book = new FakeBook(alerts);
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
    incidents as unknown as IncidentRepository,
    book as unknown as IncidentBook,
  );
  return { service, alerts, incidents, book, events };
}

const redAlertOf = (alerts: FakeAlerts): StoredAlert | undefined => [...alerts.rows.values()].find((alert) => alert.ruleId === 'health_entered_red');

describe('AlertApplicationService', () => {
  it('opens a critical alert routed to the CSM, priced by ARR, due by the SLA from its event time, and stamps its incident on the event', async () => {
    const { service, alerts, book, events } = setUp();
    const published = await service.applyBatch([intoRed()]);

    const alert = redAlertOf(alerts);
    expect(alert).toMatchObject({ status: 'open', queue: 'csm:csm-9', csmId: 'csm-9', priority: priorityOf('critical', 24_000), slaDueAt: '2026-03-02T14:00:00.000Z' });
    expect(events.alerts).toContainEqual(expect.objectContaining({ kind: 'opened', alertId: alert?.alertId, incidentId: 'in_risk' }));
    expect(events.incidents).toEqual([expect.objectContaining({ incidentId: 'in_risk' })]);
    expect(published).toBe(events.alerts.length + events.incidents.length);
    expect(book.calls.map((call) => call.category)).toEqual(['risk', 'expansion']);
    expect(book.calls.every((call) => call.now === '2026-03-02T10:00:00.000Z' && call.options.outcome === undefined)).toBe(true);
    expect(alerts.recorded.map((change) => change.changeId)).toEqual(['acc-1:7']);
  });

  it('starts the SLA at the wall clock in wall mode when the event is older', async () => {
    const { service, alerts } = setUp({ mode: 'wall', now: () => '2026-03-05T00:00:00.000Z' });
    await service.applyBatch([intoRed()]);
    expect(redAlertOf(alerts)?.slaDueAt).toBe('2026-03-05T04:00:00.000Z');
  });

  it('skips a redelivered change: nothing is applied or published twice', async () => {
    const { service, alerts, events } = setUp();
    await service.applyBatch([intoRed()]);
    const opened = alerts.rows.size;
    const publishedBefore = events.alerts.length;

    expect(await service.applyBatch([intoRed()])).toBe(0);
    expect(alerts.rows.size).toBe(opened);
    expect(events.alerts).toHaveLength(publishedBefore);
    expect(alerts.recorded).toHaveLength(1);
  });

  it('suppresses an opening alert when the contact budget of the period is spent', async () => {
    const { service, alerts, incidents } = setUp();
    incidents.openedInPeriod = 2;
    expect(await service.applyBatch([intoRed()])).toBe(0);
    expect(alerts.rows.size).toBe(0);
    expect(incidents.budgetWindows).toEqual(['2026-02-23T10:00:00.000Z']);
  });

  it('resolves a churned account’s active alerts as churned, drops its hysteresis and folds its incidents with outcome churned', async () => {
    const { service, alerts, incidents, book, events } = setUp();
    await service.applyBatch([intoRed()]);
    const churned = intoRed({ changeId: 'acc-1:8', sequence: 8, eventTime: '2026-03-03T10:00:00.000Z', account: { csmId: 'csm-9', mrr: 2000, churnedAt: '2026-03-03' } });
    book.calls.length = 0;
    events.alerts.length = 0;

    await service.applyBatch([churned]);
    expect(alerts.rows.size).toBeGreaterThan(0);
    expect([...alerts.rows.values()].every((alert) => alert.status === 'resolved' && alert.outcome === 'churned')).toBe(true);
    expect(events.alerts.length).toBe(alerts.rows.size);
    expect(events.alerts.every((event) => event.kind === 'resolved')).toBe(true);
    expect(incidents.dropped).toEqual(['acc-1']);
    expect(book.calls.map((call) => call.options.outcome)).toEqual(['churned', 'churned']);
  });

  it('applies a batch account by account in sequence order', async () => {
    const { service, alerts } = setUp();
    const calm = { after: scoreSnapshot(), before: scoreSnapshot() };
    await service.applyBatch([
      intoRed({ ...calm, accountId: 'acc-2', changeId: 'acc-2:1', sequence: 1 }),
      intoRed({ ...calm, changeId: 'acc-1:9', sequence: 9 }),
      intoRed({ ...calm, changeId: 'acc-1:8', sequence: 8 }),
    ]);
    expect(alerts.locks).toEqual(['acc-1', 'acc-1', 'acc-2']);
    expect(alerts.recorded.map((change) => change.changeId)).toEqual(['acc-1:8', 'acc-1:9', 'acc-2:1']);
  });
});
