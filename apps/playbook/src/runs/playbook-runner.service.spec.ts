import type { EntityManager } from 'typeorm';
import { register } from 'prom-client';
import type { AlertLifecycleEvent, IncidentLifecycleEvent, ScoreChanged, ScoreSnapshot } from '@bellwether/contracts';
import { playbookTimelineOf, type PlaybookDefinition, type PlaybookSet, type PlaybookTimeline } from '@bellwether/playbook-domain';
import { PlaybookRunner } from './playbook-runner.service';
import { FakeRunRepository } from '../repositories.fake';
import { alertLifecycleEvent, incidentLifecycleEvent, scoreChanged } from '@bellwether/testing';
import { fixedPlaybooks, PlaybookSource } from '../playbooks/playbook-activations';

/** The fakes ignore the transaction handle; the runner only passes it on. */
const manager = {} as EntityManager;

const waitThenTask: PlaybookDefinition = {
  id: 'wait-then-task',
  version: 1,
  name: 'Task, wait a day, task',
  trigger: { kind: 'alert_rule', ruleIds: ['health_entered_red'] },
  steps: [
    { kind: 'task', id: 'call', role: 'csm', title: 'Call them', dueInHours: 48 },
    { kind: 'wait', id: 'pause', hours: 24 },
    { kind: 'task', id: 'follow-up', role: 'csm', title: 'Follow up', dueInHours: 24 },
    { kind: 'end', id: 'done' },
  ],
  exitCriteria: ['churned'],
};
const onRiskIncident: PlaybookDefinition = {
  id: 'risk-incident',
  version: 1,
  name: 'High risk incident',
  trigger: { kind: 'incident', category: 'risk', minSeverity: 'high' },
  steps: [{ kind: 'task', id: 'triage', role: 'manager', title: 'Triage the incident', dueInHours: 4 }],
  exitCriteria: ['churned'],
};
const onLoyal: PlaybookDefinition = {
  id: 'on-loyal',
  version: 1,
  name: 'Entered loyal',
  trigger: { kind: 'segment_entered', segment: 'loyal' },
  steps: [{ kind: 'email', id: 'thanks', template: 'thanks', to: 'account_contact' }, { kind: 'wait', id: 'pause', hours: 24 }, { kind: 'end', id: 'done' }],
  exitCriteria: [],
};
const onRenewal: PlaybookDefinition = {
  id: 'on-renewal',
  version: 1,
  name: 'Renewal stage',
  trigger: { kind: 'lifecycle_stage', stage: 'renewal' },
  steps: [{ kind: 'task', id: 'qbr', role: 'csm', title: 'QBR', dueInHours: 24 }, { kind: 'wait', id: 'pause', hours: 24 }, { kind: 'end', id: 'done' }],
  exitCriteria: [],
};

const T0 = '2026-07-01T10:00:00.000Z';

function alert(kind: AlertLifecycleEvent['kind'], rule = 'health_entered_red', alertId = 'al_1', accountId = 'acc_1'): AlertLifecycleEvent {
  return alertLifecycleEvent({ eventId: `${alertId}:1`, kind, alertId, accountId, rule, status: kind === 'resolved' ? 'resolved' : 'open', occurredAt: T0 });
}

function incident(kind: IncidentLifecycleEvent['kind'], severity: IncidentLifecycleEvent['severity'], revision = 1, status: IncidentLifecycleEvent['status'] = 'open'): IncidentLifecycleEvent {
  return incidentLifecycleEvent({ kind, severity, revision, status, openedAt: T0, occurredAt: T0 });
}

const red: ScoreSnapshot = { health: 35, band: 'red', churnRisk: 0.7, segment: 'at_risk', stage: 'adoption' };

function scoreChange(sequence: number, after: Partial<ScoreSnapshot> = {}, options: { churnedAt?: string; before?: ScoreSnapshot | null } = {}): ScoreChanged {
  return scoreChanged({
    accountId: 'acc_1',
    changeId: `acc_1:${sequence}`,
    sequence,
    eventTime: T0,
    cause: { kind: 'event' },
    before: options.before === undefined ? red : options.before,
    after: { ...red, ...after },
    scorecardVersion: 'default-2026.2',
    account: { csmId: 'csm-1', ...(options.churnedAt ? { churnedAt: options.churnedAt } : {}) },
  });
}

async function notStartedChurned(trigger: string): Promise<number> {
  const metric = await register.getSingleMetric('bellwether_playbook_runs_not_started_churned_total')?.get();
  return metric?.values.find((value) => value.labels['trigger'] === trigger)?.value ?? 0;
}

describe('PlaybookRunner', () => {
  let repository: FakeRunRepository;
  let runner: PlaybookRunner;

  beforeEach(() => {
    repository = new FakeRunRepository();
    runner = new PlaybookRunner(fixedPlaybooks([waitThenTask, onRiskIncident, onLoyal, onRenewal]), repository);
  });

  describe('alerts', () => {
    it('starts one run for an opened alert of a trigger rule: its first task in the alert queue, run.started and task.created in the outbox', async () => {
      // Returns the run events emitted: run.started and task.created.
      expect(await runner.applyAlerts(manager, [alert('opened')])).toBe(2);

      const [run] = repository.runsOf('acc_1');
      expect(repository.runsOf('acc_1')).toHaveLength(1);
      expect(run).toMatchObject({ playbookId: 'wait-then-task', variantId: 'control', status: 'waiting', currentStepId: 'pause', wakeAt: '2026-07-02T10:00:00.000Z' });
      expect(repository.runs.get(run!.runId)).toMatchObject({ queue: 'csm:csm-1', trigger: { kind: 'alert_rule', ruleId: 'health_entered_red' } });
      expect([...repository.effects.keys()]).toEqual([`${run!.runId}:call`]);
      expect(repository.outbox.map((event) => [event.kind, event.eventId, event.occurredAt])).toEqual([
        ['run.started', `${run!.runId}:run.started`, T0],
        ['task.created', `${run!.runId}:call:task`, T0],
      ]);
      expect(repository.outbox[1]!.task).toEqual({ taskId: `${run!.runId}:call`, role: 'csm', title: 'Call them', queue: 'csm:csm-1', dueAt: '2026-07-03T10:00:00.000Z' });
    });

    it('starts nothing for other lifecycle steps of an alert, or for a rule no playbook is on', async () => {
      for (const kind of ['updated', 'acknowledged', 'snoozed', 'resolved', 'escalated'] as const) expect(await runner.applyAlerts(manager, [alert(kind)])).toBe(0);
      expect(await runner.applyAlerts(manager, [alert('opened', 'nps_detractor')])).toBe(0);
      expect(repository.runs.size).toBe(0);
      expect(repository.outbox).toEqual([]);
    });

    it('the same alert again starts nothing, and neither does a second alert while the account has a live run of the playbook', async () => {
      await runner.applyAlerts(manager, [alert('opened')]);
      const events = repository.outbox.length;

      expect(await runner.applyAlerts(manager, [alert('opened')])).toBe(0);
      expect(await runner.applyAlerts(manager, [alert('opened', 'health_entered_red', 'al_2')])).toBe(0);
      expect(repository.runs.size).toBe(1);
      expect(repository.outbox).toHaveLength(events);
    });

    it('run ids derive from the cause and the playbook: another account gets a run of its own', async () => {
      await runner.applyAlerts(manager, [alert('opened')]);
      expect(await runner.applyAlerts(manager, [alert('opened', 'health_entered_red', 'al_2', 'acc_2')])).toBe(2);
      expect(repository.runsOf('acc_2')).toHaveLength(1);
      expect(repository.runsOf('acc_2')[0]!.runId).not.toBe(repository.runsOf('acc_1')[0]!.runId);
    });
  });

  describe('churn', () => {
    it("a churned score change exits the account's live runs as churned and records the snapshot", async () => {
      await runner.applyAlerts(manager, [alert('opened')]);
      const runId = repository.runsOf('acc_1')[0]!.runId;

      expect(await runner.applyScoreChanges(manager, [scoreChange(1, {}, { churnedAt: T0 })])).toBe(1);

      expect(repository.runsOf('acc_1')[0]).toMatchObject({ status: 'exited', outcome: 'churned' });
      expect(repository.snapshots.get('acc_1')).toEqual({ snapshot: { band: 'red', segment: 'at_risk', health: 35, churned: true }, sequence: 1 });
      expect(repository.outbox.at(-1)).toMatchObject({ kind: 'run.ended', eventId: `${runId}:run.ended`, outcome: 'churned' });
    });

    it('while the account is churned a trigger starts no run and is counted; a later change without churnedAt makes it a customer again', async () => {
      await runner.applyScoreChanges(manager, [scoreChange(1, {}, { churnedAt: T0 })]);
      const before = await notStartedChurned('alert_rule');

      expect(await runner.applyAlerts(manager, [alert('opened')])).toBe(0);
      expect(repository.runs.size).toBe(0);
      expect(await notStartedChurned('alert_rule')).toBe(before + 1);

      await runner.applyScoreChanges(manager, [scoreChange(2)]);
      expect(await runner.applyAlerts(manager, [alert('opened', 'health_entered_red', 'al_2')])).toBe(2);
    });

    it('an older score change does not undo a newer churn (the snapshot keeps the highest sequence)', async () => {
      await runner.applyScoreChanges(manager, [scoreChange(2, {}, { churnedAt: T0 })]);
      await runner.applyScoreChanges(manager, [scoreChange(1)]);
      expect(await runner.applyAlerts(manager, [alert('opened')])).toBe(0);
    });
  });

  describe('incidents', () => {
    it('starts incident playbooks once per incident, when it opens or later reaches the minimum severity', async () => {
      expect(await runner.applyIncidents(manager, [incident('opened', 'medium')])).toBe(0);
      expect(await runner.applyIncidents(manager, [incident('escalated', 'high', 2)])).toBe(3);
      expect(await runner.applyIncidents(manager, [incident('updated', 'critical', 3)])).toBe(0);

      expect(repository.runsOf('acc_1').map((run) => [run.playbookId, run.status, run.outcome])).toEqual([['risk-incident', 'completed', 'completed']]);
      expect(repository.outbox.map((event) => event.kind)).toEqual(['run.started', 'task.created', 'run.ended']);
    });

    it('a resolved incident, or an acknowledgement, starts nothing', async () => {
      expect(await runner.applyIncidents(manager, [incident('resolved', 'high', 1, 'resolved')])).toBe(0);
      expect(await runner.applyIncidents(manager, [incident('acknowledged', 'high', 2, 'acknowledged')])).toBe(0);
      expect(repository.runs.size).toBe(0);
    });
  });

  describe('score changes', () => {
    it('starts segment and stage playbooks on entering, in team:unassigned for an account without an owner CSM', async () => {
      const unowned = { ...scoreChange(1, { segment: 'loyal', stage: 'renewal' }), account: {} };
      // run.started of on-loyal (an email, then a wait), run.started and task.created of on-renewal.
      expect(await runner.applyScoreChanges(manager, [unowned])).toBe(3);

      expect(repository.runsOf('acc_1').map((run) => run.playbookId)).toEqual(['on-loyal', 'on-renewal']);
      expect([...repository.runs.values()].map((stored) => stored.queue)).toEqual(['team:unassigned', 'team:unassigned']);
    });

    it('starts nothing when segment and stage stay, and treats a first change (no before) as entering', async () => {
      expect(await runner.applyScoreChanges(manager, [scoreChange(1, { health: 30 })])).toBe(0);
      expect(await runner.applyScoreChanges(manager, [scoreChange(2, { segment: 'loyal' }, { before: null })])).toBe(1);
      expect(repository.runsOf('acc_1').map((run) => run.playbookId)).toEqual(['on-loyal']);
    });
  });

  describe('batches', () => {
    it("decides a batch's records in order: a run one change starts, a later change of the batch exits, and an alert after the churn starts nothing", async () => {
      const churned = scoreChange(2, {}, { churnedAt: T0 });
      expect(await runner.applyScoreChanges(manager, [scoreChange(1, { stage: 'renewal' }), churned])).toBe(3);
      expect(repository.runsOf('acc_1').map((run) => [run.playbookId, run.status, run.outcome])).toEqual([['on-renewal', 'exited', 'churned']]);
      expect(repository.outbox.map((event) => event.kind)).toEqual(['run.started', 'task.created', 'run.ended']);

      const before = await notStartedChurned('alert_rule');
      expect(await runner.applyAlerts(manager, [alert('opened'), alert('opened', 'health_entered_red', 'al_2')])).toBe(0);
      expect(await notStartedChurned('alert_rule')).toBe(before + 2);
    });
  });

  describe('waits', () => {
    it('wakes a waiting run once its wake time has come, not before', async () => {
      await runner.applyAlerts(manager, [alert('opened')]);
      const runId = repository.runsOf('acc_1')[0]!.runId;

      expect(await runner.wakeDue(manager, '2026-07-02T09:59:59.999Z')).toBe(0);
      expect(await runner.wakeDue(manager, '2026-07-02T10:00:00.000Z')).toBe(1);

      expect(repository.runsOf('acc_1')[0]).toMatchObject({ status: 'completed', outcome: 'completed' });
      expect([...repository.effects.keys()]).toEqual([`${runId}:call`, `${runId}:follow-up`]);
      expect(repository.outbox.slice(-2).map((event) => [event.kind, event.occurredAt])).toEqual([
        ['task.created', '2026-07-02T10:00:00.000Z'],
        ['run.ended', '2026-07-02T10:00:00.000Z'],
      ]);
      expect(await runner.wakeDue(manager, '2026-07-03T10:00:00.000Z')).toBe(0);
    });
  });

  describe('parking and completed tasks', () => {
    it('parks a run once, with the error (at most 2000 characters) on run.parked', async () => {
      await runner.applyAlerts(manager, [alert('opened')]);
      const runId = repository.runsOf('acc_1')[0]!.runId;
      const events = repository.outbox.length;

      await runner.park(manager, runId, 'x'.repeat(2500), '2026-07-01T11:00:00.000Z');
      await runner.park(manager, runId, 'again', '2026-07-01T12:00:00.000Z');
      await runner.park(manager, 'run_unknown', 'nothing to park', '2026-07-01T12:00:00.000Z');

      expect(repository.runsOf('acc_1')[0]!.status).toBe('parked');
      expect(repository.outbox.slice(events)).toEqual([
        expect.objectContaining({ kind: 'run.parked', eventId: `${runId}:run.parked`, error: 'x'.repeat(2000), occurredAt: '2026-07-01T11:00:00.000Z' }),
      ]);
    });

    it('a completed task is step.done for its step, at the time given; a task of an unknown run emits nothing', async () => {
      await runner.applyAlerts(manager, [alert('opened')]);
      const runId = repository.runsOf('acc_1')[0]!.runId;
      const events = repository.outbox.length;

      await runner.taskCompleted(manager, { taskId: `${runId}:call`, runId }, '2026-07-01T12:00:00.000Z');
      await runner.taskCompleted(manager, { taskId: 'run_unknown:call', runId: 'run_unknown' }, '2026-07-01T12:00:00.000Z');

      expect(repository.outbox.slice(events)).toEqual([
        expect.objectContaining({ kind: 'step.done', eventId: `${runId}:call:done`, stepId: 'call', runId, occurredAt: '2026-07-01T12:00:00.000Z' }),
      ]);
    });
  });

  describe('playbook versions (issue 18 §1)', () => {
    const fileSet: PlaybookSet = { version: 'file-1', playbooks: [waitThenTask] };
    const retitled: PlaybookDefinition = { ...waitThenTask, version: 2, steps: waitThenTask.steps.map((step) => (step.kind === 'task' ? { ...step, title: `${step.title} (v2)` } : step)) };
    const T1 = '2026-07-01T12:00:00.000Z';
    /** A replica that has read one activation of `pb-2` from T1 on. */
    class ActivatedSource extends PlaybookSource {
      private readonly current: PlaybookTimeline = playbookTimelineOf(fileSet).with({ version: 'pb-2', config: { version: 'pb-2', playbooks: [retitled] }, effectiveFrom: T1, activatedAt: T1 }) as PlaybookTimeline;
      readonly caughtUp = Promise.resolve();
      timeline(): PlaybookTimeline {
        return this.current;
      }
      known(): readonly PlaybookSet[] {
        return [this.current.latest.config, fileSet];
      }
    }
    const opened = (accountId: string, occurredAt: string) => alertLifecycleEvent({ eventId: `al_${accountId}:1`, kind: 'opened', alertId: `al_${accountId}`, accountId, rule: 'health_entered_red', status: 'open', occurredAt });
    const titles = (accountId: string) => repository.outbox.filter((event) => event.accountId === accountId && event.kind === 'task.created').map((event) => event.task?.title);

    it('starts a trigger with the set in force at its event time, records the set, and advances started runs on their own set', async () => {
      runner = new PlaybookRunner(new ActivatedSource(), repository);
      await runner.applyAlerts(manager, [opened('before', T0), opened('after', '2026-07-01T13:00:00.000Z')]);
      expect(repository.runsOf('before')[0]).toMatchObject({ playbookVersion: 1, playbooksVersion: 'file-1' });
      expect(repository.runsOf('after')[0]).toMatchObject({ playbookVersion: 2, playbooksVersion: 'pb-2' });
      const started = repository.outbox.filter((event) => event.kind === 'run.started');
      expect(started.map((event) => [event.accountId, event.playbooksVersion])).toEqual([
        ['before', 'file-1'],
        ['after', 'pb-2'],
      ]);

      // Both wake after pb-2 is in force: the run the file set started keeps its steps.
      expect(await runner.wakeDue(manager, '2026-07-03T00:00:00.000Z')).toBe(2);
      expect(titles('before')).toEqual(['Call them', 'Follow up']);
      expect(titles('after')).toEqual(['Call them (v2)', 'Follow up (v2)']);
    });
  });
});
