import type { DataSource, EntityManager } from 'typeorm';
import type { AuthenticatedRequest, DirectoryRing, Principal } from '@bellwether/auth';
import { FixedClock, RequestRejected, type OutboxRelay } from '@bellwether/platform';
import type { PlaybookDefinition } from '@bellwether/playbook-domain';
import { alertLifecycleEvent } from '@bellwether/testing';
import { FakeRunRepository, FakeTaskRepository } from '../repositories.fake';
import { PlaybookRunner } from '../runs/playbook-runner.service';
import type { TaskRow } from './task.repository';
import { TasksController } from './tasks.controller';
import { fixedPlaybooks } from '../playbooks/playbook-activations';

const onRed: PlaybookDefinition = {
  id: 'on-red',
  version: 1,
  name: 'Red health',
  trigger: { kind: 'alert_rule', ruleIds: ['health_entered_red'] },
  steps: [{ kind: 'task', id: 'call', role: 'csm', title: 'Call them', dueInHours: 48 }, { kind: 'wait', id: 'pause', hours: 24 }, { kind: 'end', id: 'done' }],
  exitCriteria: ['churned'],
};

const csmKey: Principal = { keyId: 'key_csm_1', scopes: ['csm'], csmId: 'csm-1', team: null };
const otherCsmKey: Principal = { keyId: 'key_csm_2', scopes: ['csm'], csmId: 'csm-2', team: null };
const requestOf = (principal: Principal) => ({ principal }) as AuthenticatedRequest;

/** The HTTP status a call was rejected with (RequestRejected), or 'resolved'. */
const rejection = (call: Promise<unknown>): Promise<number | 'resolved'> =>
  call.then(
    () => 'resolved',
    (error: unknown) => {
      if (error instanceof RequestRejected) return error.getStatus();
      throw error;
    },
  );

function taskRow(taskId: string, runId: string, status = 'open'): TaskRow {
  return {
    taskId,
    runId,
    accountId: 'acc_1',
    role: 'csm',
    title: 'Call them',
    template: null,
    queue: 'csm:csm-1',
    dueAt: new Date('2026-07-03T10:00:00.000Z'),
    status,
    createdAt: new Date('2026-07-01T10:00:00.000Z'),
    completedAt: null,
    note: null,
  };
}

describe('TasksController', () => {
  const wallNow = Date.parse('2026-09-15T08:30:00.000Z');
  let runs: FakeRunRepository;
  let tasks: FakeTaskRepository;
  let nudges: number;
  let controller: TasksController;
  let runId: string;

  beforeEach(async () => {
    runs = new FakeRunRepository();
    const runner = new PlaybookRunner(fixedPlaybooks([onRed]), runs);
    const manager = {} as EntityManager;
    await runner.applyAlerts(manager, [alertLifecycleEvent({ alertId: 'al_1', evidence: [] })]);
    runId = runs.runsOf('acc_1')[0]!.runId;
    tasks = new FakeTaskRepository([taskRow(`${runId}:call`, runId), taskRow('run_other:done-step', 'run_other', 'done')]);
    nudges = 0;
    // The controller uses `manager` and `transaction(work)` of the data source, `nudge()` of the
    // relay and, for manager keys only, the directory (these tests use csm keys).
    const dataSource = { manager, transaction: async <T>(work: (manager: EntityManager) => Promise<T>) => work(manager) } as unknown as DataSource;
    const relay = { nudge: () => void (nudges += 1) } as unknown as OutboxRelay;
    controller = new TasksController(dataSource, {} as DirectoryRing, runner, relay, tasks, new FixedClock(wallNow));
  });

  it('completing a task marks it done with the note and emits step.done at the injected clock\'s now (the wall time the person acted at)', async () => {
    const events = runs.outbox.length;

    const done = await controller.complete({ id: `${runId}:call` }, { note: 'called' }, requestOf(csmKey));

    expect(done).toMatchObject({ taskId: `${runId}:call`, status: 'done', note: 'called' });
    expect(runs.outbox.slice(events)).toEqual([expect.objectContaining({ kind: 'step.done', eventId: `${runId}:call:done`, stepId: 'call', occurredAt: '2026-09-15T08:30:00.000Z' })]);
    expect(nudges).toBe(1);
  });

  it('a done task is a 409, and a task in a queue the key may not act on a 404; neither emits anything', async () => {
    const events = runs.outbox.length;

    expect(await rejection(controller.complete({ id: 'run_other:done-step' }, {}, requestOf(csmKey)))).toBe(409);
    expect(await rejection(controller.complete({ id: `${runId}:call` }, {}, requestOf(otherCsmKey)))).toBe(404);
    expect(await rejection(controller.complete({ id: 'no-such-task' }, {}, requestOf(csmKey)))).toBe(404);

    expect(runs.outbox).toHaveLength(events);
    expect(nudges).toBe(0);
  });

  it("lists a queue's open tasks by default, and hides a queue the key may not read", async () => {
    expect(await controller.list({ queue: 'csm:csm-1' }, {}, requestOf(csmKey))).toEqual({ queue: 'csm:csm-1', tasks: [taskRow(`${runId}:call`, runId)] });
    expect(await rejection(controller.list({ queue: 'csm:csm-1' }, {}, requestOf(otherCsmKey)))).toBe(404);
  });
});
