import type { RunState, TriggerEvent } from '@bellwether/playbook-domain';
import { runEvent } from './run-decisions';
import { RunWorkingSet } from './run-working-set';

const T0 = '2026-07-01T10:00:00.000Z';
const trigger: TriggerEvent = { kind: 'alert_rule', ruleId: 'health_entered_red' };

function run(runId: string, overrides: Partial<RunState> = {}): RunState {
  return { runId, playbookId: 'on-red', playbookVersion: 1, variantId: 'control', accountId: 'acc_1', status: 'waiting', currentStepId: 'pause', wakeAt: T0, history: [], ...overrides };
}

describe('RunWorkingSet', () => {
  it('answers as the stored rows would after the earlier writes: the newest snapshot, live runs in id order, starts that conflict refused', () => {
    const set = new RunWorkingSet({
      snapshots: new Map([['acc_1', { snapshot: { band: 'red', segment: 'at_risk', health: 30 }, sequence: 5 }]]),
      liveRuns: [{ state: run('run_b'), queue: 'csm:csm-1' }],
      storedRunIds: new Set(['run_done']),
    });

    set.saveSnapshot('acc_1', { band: 'green', segment: 'stable', health: 80 }, 4);
    expect(set.snapshotOf('acc_1')).toEqual({ band: 'red', segment: 'at_risk', health: 30 });
    set.saveSnapshot('acc_1', { band: 'green', segment: 'stable', health: 80 }, 6);
    expect(set.snapshotOf('acc_1')).toEqual({ band: 'green', segment: 'stable', health: 80 });
    expect(set.snapshotOf('acc_2')).toBeNull();

    // A live run of the playbook, an id stored before (ended), an id started in the batch: no start.
    expect(set.insertRun(run('run_a'), 'csm:csm-1', trigger)).toBe(false);
    expect(set.insertRun(run('run_done', { playbookId: 'other' }), 'csm:csm-1', trigger)).toBe(false);
    set.updateRun(run('run_b', { status: 'exited', currentStepId: null, outcome: 'recovered' }));
    expect(set.insertRun(run('run_a'), 'csm:csm-2', trigger)).toBe(true);
    expect(set.insertRun(run('run_a', { status: 'completed' }), 'csm:csm-2', trigger)).toBe(false);
    expect(set.liveRunsOf('acc_1').map((live) => [live.state.runId, live.queue])).toEqual([['run_a', 'csm:csm-2']]);

    const writes = set.writes();
    expect(writes.snapshots).toEqual([{ accountId: 'acc_1', snapshot: { band: 'green', segment: 'stable', health: 80 }, sequence: 6 }]);
    expect(writes.updatedRuns.map((state) => [state.runId, state.status])).toEqual([['run_b', 'exited']]);
    expect(writes.insertedRuns.map((inserted) => [inserted.state.runId, inserted.queue, inserted.trigger])).toEqual([['run_a', 'csm:csm-2', trigger]]);
  });

  it('writes the profile with the newest snapshot, for emails', () => {
    const set = new RunWorkingSet({ snapshots: new Map(), liveRuns: [], storedRunIds: new Set() });
    const profile = { churnRisk: 0.4, stage: 'renewal' as const, reasons: ['usage down'], csmId: 'ana' };
    set.saveSnapshot('acc_1', { band: 'red', segment: 'at_risk', health: 30 }, 2, profile);
    set.saveSnapshot('acc_1', { band: 'green', segment: 'stable', health: 80 }, 1, { ...profile, reasons: ['older'] });
    expect(set.writes().snapshots).toEqual([{ accountId: 'acc_1', snapshot: { band: 'red', segment: 'at_risk', health: 30 }, sequence: 2, profile }]);
  });

  it('records an effect key once per batch, and emits only the events of runs stored and of tasks new to the store', () => {
    const set = new RunWorkingSet({ snapshots: new Map(), liveRuns: [{ state: run('run_b'), queue: 'q' }], storedRunIds: new Set() });
    const task = (key: string) => ({ kind: 'create_task', key, stepId: 'call', role: 'csm', title: 'Call', dueAt: T0 }) as const;
    set.insertRun(run('run_a', { accountId: 'acc_2' }), 'q', trigger);

    expect(set.recordEffect(run('run_b'), 'q', task('run_b:call'))).toBe(true);
    expect(set.recordEffect(run('run_b'), 'q', task('run_b:call'))).toBe(false);
    expect(set.recordEffect(run('run_b'), 'q', { kind: 'schedule_wake', key: 'run_b:pause', stepId: 'pause', at: T0 })).toBe(true);
    expect(set.recordEffect(run('run_a'), 'q', task('run_a:call'))).toBe(true);
    expect(set.writes().effects.map((write) => write.effect.key)).toEqual(['run_b:call', 'run_a:call']);

    set.emit(runEvent('run.started', run('run_a'), T0), 'control');
    set.emit({ ...runEvent('task.created', run('run_a'), T0), eventId: 'run_a:call:task' }, 'control', 'run_a:call');
    set.emit({ ...runEvent('task.created', run('run_b'), T0), eventId: 'run_b:call:task' }, 'control', 'run_b:call');
    set.emit(runEvent('run.ended', run('run_b', { outcome: 'recovered' }), T0), 'control');

    // run_a's insert met a conflict the batch could not see; run_b's task was stored before.
    const emitted = set.eventsWritten({ insertedRunIds: new Set(), freshEffectKeys: new Set(['run_a:call']) });
    expect(emitted.map(({ event }) => event.eventId)).toEqual(['run_b:run.ended']);
    const all = set.eventsWritten({ insertedRunIds: new Set(['run_a']), freshEffectKeys: new Set(['run_a:call', 'run_b:call']) });
    expect(all.map(({ event }) => event.eventId)).toEqual(['run_a:run.started', 'run_a:call:task', 'run_b:call:task', 'run_b:run.ended']);
  });
  it('keeps accounts apart: live runs of the account only, in id order; a start conflicts only with its own account and playbook; a run started and ended in the batch frees its playbook', () => {
    const set = new RunWorkingSet({
      snapshots: new Map(),
      liveRuns: [{ state: run('run_c'), queue: 'q' }, { state: run('run_a', { accountId: 'acc_2' }), queue: 'q' }],
      storedRunIds: new Set(),
    });

    expect(set.insertRun(run('run_b', { playbookId: 'other' }), 'q', trigger)).toBe(true);
    expect(set.insertRun(run('run_d', { accountId: 'acc_3' }), 'q', trigger)).toBe(true);
    expect(set.insertRun(run('run_e', { accountId: 'acc_2' }), 'q', trigger)).toBe(false);
    expect(set.liveRunsOf('acc_1').map((live) => live.state.runId)).toEqual(['run_b', 'run_c']);
    expect(set.liveRunsOf('acc_2').map((live) => live.state.runId)).toEqual(['run_a']);
    expect(set.liveRunsOf('acc_4')).toEqual([]);

    set.updateRun(run('run_d', { accountId: 'acc_3', status: 'completed', currentStepId: null, outcome: 'completed' }));
    expect(set.liveRunsOf('acc_3')).toEqual([]);
    expect(set.insertRun(run('run_f', { accountId: 'acc_3' }), 'q', trigger)).toBe(true);
    expect(set.liveRunsOf('acc_3').map((live) => live.state.runId)).toEqual(['run_f']);
  });
});
