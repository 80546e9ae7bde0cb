import type { DataSource, EntityManager } from 'typeorm';
import type { AlertLifecycleEvent, IncidentLifecycleEvent, ScoreChanged, ScoreSnapshot, TelemetryEvent } from '@bellwether/contracts';
import type { DecodedBatch } from '@bellwether/kafka';
import type { OutboxRelay } from '@bellwether/platform';
import type { PlaybookDefinition } from '@bellwether/playbook-domain';
import { PlaybookConsumer } from './playbook.consumer';
import { PlaybookRunner } from './playbook-runner.service';
import { FakeKpiReadModelRepository, FakeRunRepository } from '../repositories.fake';
import { alertLifecycleEvent, incidentLifecycleEvent, scoreChanged, telemetryEvent } from '@bellwether/testing';
import { fixedPlaybooks } from '../playbooks/playbook-activations';

const T0 = '2026-07-01T10:00:00.000Z';

const onRed: PlaybookDefinition = {
  id: 'on-red',
  version: 1,
  name: 'Red health',
  trigger: { kind: 'alert_rule', ruleIds: ['health_entered_red'] },
  steps: [{ kind: 'task', id: 'call', role: 'csm', title: 'Call them', dueInHours: 48 }, { kind: 'wait', id: 'pause', hours: 24 }, { kind: 'end', id: 'done' }],
  exitCriteria: ['churned'],
};
const onIncident: PlaybookDefinition = {
  id: 'on-incident',
  version: 1,
  name: 'Risk incident',
  trigger: { kind: 'incident', category: 'risk' },
  steps: [{ kind: 'task', id: 'triage', role: 'manager', title: 'Triage', dueInHours: 4 }, { kind: 'wait', id: 'pause', hours: 24 }, { kind: 'end', id: 'done' }],
  exitCriteria: ['churned'],
};
const onStable: PlaybookDefinition = {
  id: 'on-stable',
  version: 1,
  name: 'Entered stable',
  trigger: { kind: 'segment_entered', segment: 'stable' },
  steps: [{ kind: 'task', id: 'review', role: 'csm', title: 'Usage review', dueInHours: 24 }, { kind: 'wait', id: 'pause', hours: 24 }, { kind: 'end', id: 'done' }],
  exitCriteria: [],
};

function batchOf<T>(topic: string, values: readonly T[]): DecodedBatch<T> {
  return {
    topic,
    partition: 0,
    records: values.map((value, index) => ({ topic, partition: 0, offset: String(index), key: null, value, headers: {}, timestamp: '0' })),
    heartbeat: async () => undefined,
  };
}

function opened(alertId: string, accountId = 'acc_1'): AlertLifecycleEvent {
  return alertLifecycleEvent({ alertId, accountId, occurredAt: T0 });
}

function incidentOpened(incidentId: string): IncidentLifecycleEvent {
  return incidentLifecycleEvent({ incidentId, openedAt: T0, occurredAt: T0 });
}

const atRisk: ScoreSnapshot = { health: 35, band: 'red', churnRisk: 0.7, segment: 'at_risk', stage: 'adoption' };

function scoreChange(sequence: number, options: { csmId?: string; churnedAt?: string; segment?: ScoreSnapshot['segment'] } = {}): ScoreChanged {
  return scoreChanged({
    accountId: 'acc_1',
    changeId: `acc_1:${sequence}`,
    sequence,
    eventTime: T0,
    cause: { kind: 'event' },
    before: atRisk,
    after: { ...atRisk, segment: options.segment ?? 'at_risk' },
    scorecardVersion: 'default-2026.2',
    account: { ...(options.csmId ? { csmId: options.csmId } : {}), ...(options.churnedAt ? { churnedAt: options.churnedAt } : {}) },
  });
}

function telemetry(id: string): TelemetryEvent {
  return telemetryEvent({ id, accountId: 'acc_1', type: 'nps.responded', timestamp: T0, userId: undefined, properties: { score: 9 } });
}

describe('PlaybookConsumer', () => {
  let runs: FakeRunRepository;
  let kpis: FakeKpiReadModelRepository;
  let nudges: number;
  let transactions: number;
  let consumer: PlaybookConsumer;

  /** A consumer over fresh fakes, running the given playbooks. */
  function setUp(definitions: readonly PlaybookDefinition[]): void {
    runs = new FakeRunRepository();
    kpis = new FakeKpiReadModelRepository();
    nudges = 0;
    transactions = 0;
    const manager = {} as EntityManager;
    // The consumer uses only `transaction(work)` of the data source and `nudge()` of the relay.
    const dataSource = {
      transaction: async <T>(work: (manager: EntityManager) => Promise<T>): Promise<T> => {
        transactions += 1;
        return work(manager);
      },
    } as unknown as DataSource;
    const relay = { nudge: () => void (nudges += 1) } as unknown as OutboxRelay;
    consumer = new PlaybookConsumer(dataSource, new PlaybookRunner(fixedPlaybooks(definitions), runs), relay, kpis);
  }

  beforeEach(() => setUp([onRed, onIncident, onStable]));

  describe('alerts', () => {
    it('one transaction per batch: claims the alert event ids, starts the playbooks, projects each alert for the KPIs and nudges the relay once', async () => {
      const results = await consumer.handleAlerts(batchOf('bellwether.alerts.v1', [opened('al_1'), opened('al_2', 'acc_2')]));

      expect(results.size).toBe(0);
      expect(transactions).toBe(1);
      expect([...runs.processed]).toEqual(['alert:al_1:1', 'alert:al_2:1']);
      expect([...runs.runs.values()].map((stored) => stored.state.accountId)).toEqual(['acc_1', 'acc_2']);
      expect(kpis.projectedAlerts.map((event) => event.eventId)).toEqual(['al_1:1', 'al_2:1']);
      expect(nudges).toBe(1);
    });

    it('a redelivered batch does nothing twice: no run, no projection, no nudge', async () => {
      const batch = batchOf('bellwether.alerts.v1', [opened('al_1')]);
      await consumer.handleAlerts(batch);
      const events = runs.outbox.length;

      await consumer.handleAlerts(batch);

      expect(runs.runs.size).toBe(1);
      expect(runs.outbox).toHaveLength(events);
      expect(kpis.projectedAlerts).toHaveLength(1);
      expect(nudges).toBe(1);
    });

    it('the same alert twice in one batch, apart, is applied once: one run, projected once', async () => {
      await consumer.handleAlerts(batchOf('bellwether.alerts.v1', [opened('al_1'), opened('al_2', 'acc_2'), opened('al_1')]));

      expect(runs.runs.size).toBe(2);
      expect(runs.outbox.filter((event) => event.kind === 'run.started')).toHaveLength(2);
      expect(kpis.projectedAlerts.map((alert) => alert.alertId)).toEqual(['al_1', 'al_2']);
    });

    it('an alert that starts nothing is still projected, and the relay is not nudged', async () => {
      await consumer.handleAlerts(batchOf('bellwether.alerts.v1', [{ ...opened('al_1'), rule: 'nps_detractor' }]));

      expect(runs.runs.size).toBe(0);
      expect(kpis.projectedAlerts).toHaveLength(1);
      expect(nudges).toBe(0);
    });
  });

  describe('incidents', () => {
    it('starts incident playbooks once per incident event id, and nudges only when something started', async () => {
      const batch = batchOf('bellwether.incidents.v1', [incidentOpened('in_1')]);
      await consumer.handleIncidents(batch);
      await consumer.handleIncidents(batch);

      expect([...runs.processed]).toEqual(['incident:in_1:1']);
      expect(runs.runsOf('acc_1').map((run) => run.playbookId)).toEqual(['on-incident']);
      expect(nudges).toBe(1);
    });
  });

  describe('score changes', () => {
    it("starts segment playbooks in the owner CSM's queue, or team:unassigned for an account without one", async () => {
      await consumer.handleScores(batchOf('bellwether.scores.v1', [scoreChange(1, { csmId: 'csm-7', segment: 'stable' })]));
      expect([...runs.runs.values()].map((stored) => stored.queue)).toEqual(['csm:csm-7']);

      setUp([onStable]);
      await consumer.handleScores(batchOf('bellwether.scores.v1', [scoreChange(1, { segment: 'stable' })]));
      expect([...runs.runs.values()].map((stored) => stored.queue)).toEqual(['team:unassigned']);
    });

    it('a churned account exits its live runs and starts none, then an alert for it starts nothing', async () => {
      await consumer.handleAlerts(batchOf('bellwether.alerts.v1', [opened('al_1')]));
      const nudgesBefore = nudges;

      await consumer.handleScores(batchOf('bellwether.scores.v1', [scoreChange(1, { csmId: 'csm-1', churnedAt: T0, segment: 'stable' })]));
      await consumer.handleAlerts(batchOf('bellwether.alerts.v1', [opened('al_2')]));

      expect(runs.runsOf('acc_1').map((run) => [run.playbookId, run.status, run.outcome])).toEqual([['on-red', 'exited', 'churned']]);
      expect(nudges).toBe(nudgesBefore + 1);
    });

    it('a redelivered score change is skipped: its runs are not advanced twice', async () => {
      const batch = batchOf('bellwether.scores.v1', [scoreChange(1, { csmId: 'csm-1', segment: 'stable' })]);
      await consumer.handleScores(batch);
      const events = runs.outbox.length;
      const nudgesBefore = nudges;

      await consumer.handleScores(batch);

      expect([...runs.processed]).toEqual(['score:acc_1:1']);
      expect(runs.outbox).toHaveLength(events);
      expect(nudges).toBe(nudgesBefore);
    });
  });

  describe('telemetry events', () => {
    it('projects every event for the KPIs in one transaction, claims nothing (the projections are idempotent on event ids) and never nudges', async () => {
      const batch = batchOf('bellwether.events.v1', [telemetry('evt_1'), telemetry('evt_2')]);
      await consumer.handleEvents(batch);
      await consumer.handleEvents(batch);

      expect(kpis.projectedEvents.map((event) => event.id)).toEqual(['evt_1', 'evt_2', 'evt_1', 'evt_2']);
      expect(kpis.projectedEventBatches.map((events) => events.length)).toEqual([2, 2]);
      expect(runs.processed.size).toBe(0);
      expect(transactions).toBe(2);
      expect(nudges).toBe(0);
    });
  });
});
