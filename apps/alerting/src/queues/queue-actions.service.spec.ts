import type { DataSource, EntityManager } from 'typeorm';
import type { AlertCategory, AlertLifecycleEvent, IncidentLifecycleEvent } from '@bellwether/contracts';
import { acknowledge, resolve } from '@bellwether/alerting-domain';
import { FixedClock, RequestRejected, type OutboxRelay, type PipelineClock } from '@bellwether/platform';
import type { AlertEvents } from '../alerts/alert-events';
import type { AlertRepository, StoredAlert } from '../alerts/alert.repository';
import type { IncidentBook, RefoldOptions, RefoldResult } from '../incidents/incident-book';
import type { IncidentRepository } from '../incidents/incident.repository';
import { QueueActionsService, type QueueAction, type QueueActor } from './queue-actions.service';

// Unit tests of the action orchestration with typed in-memory fakes (each implements the methods
// of its dependency the service calls); the SQL and the HTTP routes are covered by the
// integration and e2e specs.

const manager = {} as EntityManager;
const ALERT_ID = 'al_0123456789abcdef01234567';

class FakeAlerts implements Pick<AlertRepository, 'accountOfAlert' | 'lockAccount' | 'findForUpdate' | 'recordAction' | 'secondsSinceCreated'> {
  readonly rows = new Map<string, StoredAlert>();
  readonly locks: string[] = [];
  readonly actions: { alert: StoredAlert; actedBy: string; note?: string; acknowledged?: boolean }[] = [];

  async accountOfAlert(_manager: EntityManager, alertId: string): Promise<string | null> {
    return this.rows.get(alertId)?.accountId ?? null;
  }

  async lockAccount(_manager: EntityManager, accountId: string): Promise<void> {
    this.locks.push(accountId);
  }

  async findForUpdate(_manager: EntityManager, alertId: string): Promise<StoredAlert | null> {
    return this.rows.get(alertId) ?? null;
  }

  async recordAction(_manager: EntityManager, alert: StoredAlert, action: { actedBy: string; note?: string; acknowledged?: boolean }): Promise<void> {
    this.rows.set(alert.alertId, alert);
    this.actions.push({ alert, ...action });
  }

  async secondsSinceCreated(): Promise<number> {
    return 60;
  }
}

class FakeBook implements Pick<IncidentBook, 'refold'> {
  readonly calls: { category: AlertCategory; now: string; options: RefoldOptions }[] = [];

  async refold(_manager: EntityManager, _accountId: string, category: AlertCategory, now: string, options: RefoldOptions = {}): Promise<RefoldResult> {
    this.calls.push({ category, now, options });
    return { incident: null, event: null };
  }
}

class FakeEvents implements Pick<AlertEvents, 'emit' | 'emitIncidents'> {
  readonly alerts: AlertLifecycleEvent[] = [];

  async emit(_manager: EntityManager, events: readonly AlertLifecycleEvent[]): Promise<void> {
    this.alerts.push(...events);
  }

  async emitIncidents(_manager: EntityManager, _events: readonly IncidentLifecycleEvent[]): Promise<void> {
    // No incident in these tests.
  }
}

function openAlert(overrides: Partial<StoredAlert> = {}): StoredAlert {
  return {
    alertId: ALERT_ID,
    accountId: 'acc-1',
    ruleId: 'health_entered_red',
    category: 'risk',
    severity: 'critical',
    status: 'open',
    count: 1,
    openedAt: '2026-03-02T10:00:00.000Z',
    lastSeenAt: '2026-03-02T10:00:00.000Z',
    evidence: ['health 72 → 35 (red) on 2026-03-02'],
    revision: 1,
    priority: 40,
    queue: 'csm:csm-9',
    csmId: 'csm-9',
    incidentId: 'in_0123456789abcdef01234567',
    ...overrides,
  };
}

function setUp(pipelineNow: string | null) {
  const alerts = new FakeAlerts();
  const book = new FakeBook();
  const events = new FakeEvents();
  const nudges: number[] = [];
  const relay = { nudge: () => nudges.push(1) };
  const wallClock = new FixedClock(Date.parse('2026-03-09T08:30:00.000Z'));
  const dataSource = { transaction: <T>(work: (transaction: EntityManager) => Promise<T>): Promise<T> => work(manager) };
  const pipelineClock: Pick<PipelineClock, 'now'> = { now: () => pipelineNow };
  // The fakes stand in for the real classes: each implements the methods the service calls.
  const service = new QueueActionsService(
    dataSource as unknown as DataSource,
    alerts as unknown as AlertRepository,
    {} as IncidentRepository,
    book as unknown as IncidentBook,
    events as unknown as AlertEvents,
    relay as unknown as OutboxRelay,
    pipelineClock as unknown as PipelineClock,
    wallClock,
  );
  return { service, alerts, book, events, nudges };
}

/** The HTTP status of the `RequestRejected` the action rejects with. */
async function rejectedStatus(action: Promise<unknown>): Promise<number> {
  try {
    await action;
  } catch (error) {
    if (error instanceof RequestRejected) return error.getStatus();
    throw error;
  }
  throw new Error('the action was expected to be rejected');
}

const csm9: QueueActor = { keyId: 'key-1', mayAct: (queue) => queue === 'csm:csm-9' };
const ack: QueueAction = { kind: 'acknowledged', transition: (alert, now) => acknowledge(alert, now), acknowledged: true };

describe('QueueActionsService.actOnAlert', () => {
  it('acknowledges under the account lock: acknowledgedAt is the injected wall clock, the event is on the pipeline clock, the incident follows', async () => {
    const { service, alerts, book, events, nudges } = setUp('2026-03-05T00:00:00.000Z');
    alerts.rows.set(ALERT_ID, openAlert());

    const acted = await service.actOnAlert(ALERT_ID, csm9, ack);
    expect(acted).toMatchObject({ status: 'acknowledged', acknowledgedAt: '2026-03-09T08:30:00.000Z' });
    expect(alerts.locks).toEqual(['acc-1']);
    expect(alerts.actions).toEqual([expect.objectContaining({ actedBy: 'key-1', acknowledged: true })]);
    expect(events.alerts).toEqual([expect.objectContaining({ kind: 'acknowledged', alertId: ALERT_ID, occurredAt: '2026-03-05T00:00:00.000Z' })]);
    expect(book.calls).toEqual([{ category: 'risk', now: '2026-03-05T00:00:00.000Z', options: { kind: 'acknowledged' } }]);
    expect(nudges).toHaveLength(1);
  });

  it('acts no earlier than the alert’s own last event time when the pipeline clock trails or is unknown', async () => {
    const { service, alerts, events } = setUp(null);
    alerts.rows.set(ALERT_ID, openAlert({ lastSeenAt: '2026-03-06T00:00:00.000Z' }));
    await service.actOnAlert(ALERT_ID, csm9, ack);
    expect(events.alerts[0]?.occurredAt).toBe('2026-03-06T00:00:00.000Z');
  });

  it('answers 404 for an alert in a queue the actor may not act on, and for an unknown id, recording nothing', async () => {
    const { service, alerts, nudges } = setUp('2026-03-05T00:00:00.000Z');
    alerts.rows.set(ALERT_ID, openAlert({ queue: 'csm:someone-else' }));
    expect(await rejectedStatus(service.actOnAlert(ALERT_ID, csm9, ack))).toBe(404);
    expect(await rejectedStatus(service.actOnAlert('not-an-alert-id', csm9, ack))).toBe(404);
    expect(alerts.actions).toEqual([]);
    expect(nudges).toEqual([]);
  });

  it('lets a manager act on an alert escalated to their queue', async () => {
    const { service, alerts } = setUp('2026-03-05T00:00:00.000Z');
    alerts.rows.set(ALERT_ID, openAlert({ queue: 'csm:someone-else', escalatedTo: 'manager:emea' }));
    const manager: QueueActor = { keyId: 'key-m', mayAct: (queue) => queue === 'manager:emea' };
    await expect(service.actOnAlert(ALERT_ID, manager, ack)).resolves.toMatchObject({ status: 'acknowledged' });
  });

  it('answers 409 when the transition is refused, and resolves with the person’s outcome into the incident fold', async () => {
    const { service, alerts, book } = setUp('2026-03-05T00:00:00.000Z');
    alerts.rows.set(ALERT_ID, openAlert());
    const resolveSaved: QueueAction = { kind: 'resolved', transition: (alert, now) => resolve(alert, 'saved', now), note: 'called them' };
    await expect(service.actOnAlert(ALERT_ID, csm9, resolveSaved)).resolves.toMatchObject({ status: 'resolved', outcome: 'saved', note: 'called them' });
    expect(book.calls[0]?.options).toEqual({ kind: 'resolved', outcome: 'saved' });
    expect(await rejectedStatus(service.actOnAlert(ALERT_ID, csm9, resolveSaved))).toBe(409);
  });
});
