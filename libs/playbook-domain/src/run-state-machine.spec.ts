import { valueRediscoveryPlaybook } from './built-in-playbooks';
import { type BranchCondition, type PlaybookDefinition, type StepDefinition } from './playbook.types';
import { advance, evaluateCondition, exitCriterionMet, MAX_STEPS_PER_ADVANCE, startRun, stepsForVariant } from './run-state-machine';
import { type AccountSnapshot, type RunState } from './run-state.types';

const T0 = '2026-03-02T09:00:00.000Z';
const yellow: AccountSnapshot = { band: 'yellow', segment: 'stable', health: 55 };
const red: AccountSnapshot = { band: 'red', segment: 'at_risk', health: 25 };
const green: AccountSnapshot = { band: 'green', segment: 'stable', health: 82 };

const definition = (steps: readonly StepDefinition[], extra: Partial<PlaybookDefinition> = {}): PlaybookDefinition => ({
  id: 'pb',
  version: 3,
  name: 'Test playbook',
  trigger: { kind: 'alert_rule', ruleIds: ['r'] },
  steps,
  exitCriteria: ['recovered', 'churned', 'expanded'],
  ...extra,
});
const start = (def: PlaybookDefinition, account?: AccountSnapshot, variantId = 'control') =>
  startRun(def, { runId: 'run-1', accountId: 'acc-1', variantId, now: T0, ...(account === undefined ? {} : { account }) });

const task: StepDefinition = { kind: 'task', id: 'call', role: 'csm', title: 'Call them', dueInHours: 48, template: 'pb/call' };
const email: StepDefinition = { kind: 'email', id: 'mail', template: 'pb/mail', to: 'account_contact' };
const hook: StepDefinition = { kind: 'webhook', id: 'hook', url: 'https://example.test/hook' };
const wait: StepDefinition = { kind: 'wait', id: 'pause', hours: 24 };
const branch = (when: BranchCondition, then: string, otherwise: string): StepDefinition => ({ kind: 'branch', id: 'check', when, then, else: otherwise });

describe('startRun', () => {
  it('positions a new run at the first step without effects when no account is given', () => {
    const { run, effects } = start(definition([task]));
    expect(effects).toEqual([]);
    expect(run).toEqual({
      runId: 'run-1',
      playbookId: 'pb',
      playbookVersion: 3,
      variantId: 'control',
      accountId: 'acc-1',
      status: 'running',
      currentStepId: 'call',
      history: [],
    });
  });

  it('advances at once when given the account', () => {
    const { run, effects } = start(definition([task, wait]), yellow);
    expect(effects.map((e) => e.kind)).toEqual(['create_task', 'schedule_wake']);
    expect(run.status).toBe('waiting');
  });

  it("runs a variant's own steps", () => {
    const def = definition([task], { variants: [{ id: 'a', weight: 1 }, { id: 'b', weight: 1, steps: [email] }] });
    expect(start(def, yellow, 'b').effects[0]).toMatchObject({ kind: 'send_email', stepId: 'mail' });
    expect(start(def, yellow, 'a').effects[0]).toMatchObject({ kind: 'create_task', stepId: 'call' });
    expect(stepsForVariant(def, 'control')).toBeUndefined();
  });

  it('rejects an unknown variant and an unparseable time', () => {
    expect(() => start(definition([task]), yellow, 'b')).toThrow(RangeError);
    expect(() => startRun(definition([task]), { runId: 'r', accountId: 'a', variantId: 'control', now: 'yesterday' })).toThrow(RangeError);
  });
});

describe('advance: step kinds', () => {
  it('task: creates a task due at now + dueInHours and moves on', () => {
    const { run, effects } = start(definition([task]), yellow);
    expect(effects[0]).toEqual({ kind: 'create_task', key: 'run-1:call', stepId: 'call', role: 'csm', title: 'Call them', dueAt: '2026-03-04T09:00:00.000Z', template: 'pb/call' });
    expect(run.history[0]).toEqual({ stepId: 'call', at: T0, result: 'task_created' });
  });

  it('email: queues the template for the account contact', () => {
    expect(start(definition([email]), yellow).effects[0]).toEqual({ kind: 'send_email', key: 'run-1:mail', stepId: 'mail', template: 'pb/mail' });
  });

  it('webhook: calls the url', () => {
    expect(start(definition([hook]), yellow).effects[0]).toEqual({ kind: 'call_webhook', key: 'run-1:hook', stepId: 'hook', url: 'https://example.test/hook' });
  });

  it('runs task, email and webhook steps in one call, then completes at the end of the list', () => {
    const { run, effects } = start(definition([task, email, hook]), yellow);
    expect(effects.map((e) => e.key)).toEqual(['run-1:call', 'run-1:mail', 'run-1:hook', 'run-1:end']);
    expect(effects[3]).toEqual({ kind: 'end', key: 'run-1:end', outcome: 'completed' });
    expect(run).toMatchObject({ status: 'completed', currentStepId: null, outcome: 'completed' });
  });

  it('end: completes with its outcome, or completed by default', () => {
    const withOutcome = start(definition([{ kind: 'end', id: 'stop', outcome: 'failed' }, task]), yellow);
    expect(withOutcome.effects).toEqual([{ kind: 'end', key: 'run-1:end', outcome: 'failed' }]);
    expect(withOutcome.run).toMatchObject({ status: 'completed', outcome: 'failed', currentStepId: null });
    expect(withOutcome.run.history).toEqual([{ stepId: 'stop', at: T0, result: 'ended', detail: 'failed' }]);
    expect(start(definition([{ kind: 'end', id: 'stop' }]), yellow).run.outcome).toBe('completed');
  });

  describe('wait', () => {
    const def = definition([task, wait, email]);
    const waiting = start(def, yellow);

    it('schedules a wake-up and waits', () => {
      expect(waiting.effects[1]).toEqual({ kind: 'schedule_wake', key: 'run-1:pause', stepId: 'pause', at: '2026-03-03T09:00:00.000Z' });
      expect(waiting.run).toMatchObject({ status: 'waiting', currentStepId: 'pause', wakeAt: '2026-03-03T09:00:00.000Z' });
    });

    it('does nothing before wakeAt', () => {
      const early = advance(def, waiting.run, { now: '2026-03-03T08:59:59.999Z', account: yellow });
      expect(early.effects).toEqual([]);
      expect(early.run).toBe(waiting.run);
    });

    it('continues at wakeAt', () => {
      const { run, effects } = advance(def, waiting.run, { now: '2026-03-03T09:00:00.000Z', account: yellow });
      expect(effects.map((e) => e.kind)).toEqual(['send_email', 'end']);
      expect(run.status).toBe('completed');
      expect(run.wakeAt).toBeUndefined();
      expect(run.history.map((h) => `${h.stepId}:${h.result}`)).toEqual(['call:task_created', 'pause:wait_scheduled', 'pause:woke', 'mail:email_queued']);
    });

    it('continues after wakeAt', () => {
      expect(advance(def, waiting.run, { now: '2026-04-01T00:00:00.000Z', account: yellow }).effects[0]).toMatchObject({ kind: 'send_email' });
    });
  });

  describe('branch', () => {
    const steps = (when: BranchCondition): StepDefinition[] => [
      branch(when, 'yes', 'no'),
      { kind: 'end', id: 'yes', outcome: 'completed' },
      { kind: 'end', id: 'no', outcome: 'failed' },
    ];

    it('takes then when the condition holds', () => {
      const { run } = start(definition(steps({ field: 'health', op: 'lt', value: 60 })), yellow);
      expect(run.outcome).toBe('completed');
      expect(run.history.map((h) => h.result)).toEqual(['branch_then', 'ended']);
    });

    it('takes else when it does not', () => {
      const { run } = start(definition(steps({ field: 'health', op: 'lt', value: 50 })), yellow);
      expect(run.outcome).toBe('failed');
      expect(run.history.map((h) => h.result)).toEqual(['branch_else', 'ended']);
    });
  });
});

describe('evaluateCondition', () => {
  it.each<[BranchCondition, AccountSnapshot, boolean]>([
    [{ field: 'health', op: 'eq', value: 55 }, yellow, true],
    [{ field: 'health', op: 'gte', value: 55 }, yellow, true],
    [{ field: 'health', op: 'gte', value: 56 }, yellow, false],
    [{ field: 'health', op: 'lt', value: 55 }, yellow, false],
    [{ field: 'band', op: 'eq', value: 'red' }, red, true],
    [{ field: 'band', op: 'eq', value: 'red' }, yellow, false],
    [{ field: 'band', op: 'lt', value: 'green' }, yellow, true],
    [{ field: 'band', op: 'gte', value: 'yellow' }, red, false],
    [{ field: 'segment', op: 'eq', value: 'at_risk' }, red, true],
    [{ field: 'segment', op: 'eq', value: 'at_risk' }, green, false],
    [{ field: 'band', op: 'eq', value: 'toString' }, red, false],
  ])('%j on %j → %s', (when, account, expected) => {
    expect(evaluateCondition(when, account)).toBe(expected);
  });
});

describe('advance: exit criteria', () => {
  const def = definition([task, wait, email]);
  const waiting = start(def, yellow).run;

  it('exits recovered when the band is green and the segment is no longer at_risk', () => {
    const { run, effects } = advance(def, waiting, { now: '2026-03-02T10:00:00.000Z', account: green });
    expect(effects).toEqual([{ kind: 'end', key: 'run-1:end', outcome: 'recovered' }]);
    expect(run).toMatchObject({ status: 'exited', outcome: 'recovered', currentStepId: null });
    expect(run.wakeAt).toBeUndefined();
    expect(run.history.at(-1)).toEqual({ stepId: 'pause', at: '2026-03-02T10:00:00.000Z', result: 'exited', detail: 'recovered' });
  });

  it('does not count a green account that is still at_risk as recovered', () => {
    expect(exitCriterionMet(['recovered'], { ...green, segment: 'at_risk' })).toBeUndefined();
  });

  it('exits churned', () => {
    expect(advance(def, waiting, { now: T0, account: { ...red, churned: true } }).run).toMatchObject({ status: 'exited', outcome: 'churned' });
  });

  it('exits expanded', () => {
    expect(advance(def, waiting, { now: T0, account: { ...yellow, expanded: true } }).run).toMatchObject({ status: 'exited', outcome: 'expanded' });
  });

  it('checks exit criteria before anything else, including at start', () => {
    const { run, effects } = start(def, green);
    expect(effects).toEqual([{ kind: 'end', key: 'run-1:end', outcome: 'recovered' }]);
    expect(run.status).toBe('exited');
  });

  it('exits churned on a churned account even when the playbook does not list churned', () => {
    expect(exitCriterionMet(['recovered'], { ...green, churned: true })).toBe('churned');
    expect(exitCriterionMet([], { ...red, churned: true })).toBe('churned');
    expect(exitCriterionMet([], red)).toBeUndefined();
  });

  it('prefers churned over expanded over recovered', () => {
    expect(exitCriterionMet(['recovered', 'expanded', 'churned'], { ...green, churned: true, expanded: true })).toBe('churned');
    expect(exitCriterionMet(['recovered', 'expanded'], { ...green, expanded: true })).toBe('expanded');
  });

  it("ignores criteria the playbook does not list", () => {
    const onlyChurn = definition([task, wait, email], { exitCriteria: ['churned'] });
    expect(advance(onlyChurn, start(onlyChurn, yellow).run, { now: T0, account: { ...green, expanded: true } }).run.status).toBe('waiting');
  });
});

describe('advance: safety and idempotency', () => {
  it('leaves ended runs unchanged', () => {
    const done = start(definition([task]), yellow).run;
    const again = advance(definition([task]), done, { now: T0, account: { ...red, churned: true } });
    expect(again.run).toBe(done);
    expect(again.effects).toEqual([]);
  });

  it('is deterministic: the same input gives the same effects and keys', () => {
    const def = definition([task, wait, email]);
    const run = start(def).run;
    expect(advance(def, run, { now: T0, account: yellow })).toEqual(advance(def, run, { now: T0, account: yellow }));
  });

  it('suffixes keys with the visit number when a loop passes a step again', () => {
    const def = definition([task, wait, branch({ field: 'band', op: 'eq', value: 'red' }, 'call', 'done'), { kind: 'end', id: 'done' }]);
    let state = start(def, red);
    state = advance(def, state.run, { now: '2026-03-03T09:00:00.000Z', account: red });
    expect(state.effects.map((e) => e.key)).toEqual(['run-1:call:2', 'run-1:pause:2']);
    state = advance(def, state.run, { now: '2026-03-04T09:00:00.000Z', account: yellow });
    expect(state.effects.map((e) => e.key)).toEqual(['run-1:end']);
  });

  it(`parks a run that executes more than ${MAX_STEPS_PER_ADVANCE} steps in one call`, () => {
    // A wait-less loop: validatePlaybook rejects it, but the machine must not spin on it.
    const def = definition([task, branch({ field: 'health', op: 'gte', value: 0 }, 'call', 'call')]);
    const { run, effects } = start(def, yellow);
    expect(effects).toHaveLength(MAX_STEPS_PER_ADVANCE / 2);
    expect(new Set(effects.map((e) => e.key)).size).toBe(effects.length);
    expect(run.status).toBe('parked');
    expect(run.history.at(-1)).toMatchObject({ result: 'parked', detail: expect.stringContaining('step_cap_exceeded') });
    expect(advance(def, run, { now: T0, account: yellow }).effects).toEqual([]);
    expect(advance(def, start(def).run, { now: T0, account: yellow }, { maxSteps: 3 }).effects).toHaveLength(2);
  });

  it('parks a run given another version of its playbook', () => {
    const def = definition([task, wait, email]);
    const { run } = start(def, yellow);
    const next = advance({ ...def, version: 4 }, run, { now: '2026-04-01T00:00:00.000Z', account: yellow });
    expect(next.effects).toEqual([]);
    expect(next.run).toMatchObject({ status: 'parked', currentStepId: 'pause' });
    expect(next.run.history.at(-1)?.detail).toContain('definition_mismatch');
  });

  it('parks a run whose current step no longer exists', () => {
    const def = definition([task]);
    const stale: RunState = { ...start(def).run, currentStepId: 'gone' };
    expect(advance(def, stale, { now: T0, account: yellow }).run).toMatchObject({ status: 'parked', currentStepId: 'gone' });
  });

  it('does not mutate its inputs', () => {
    const def = definition([task, wait, email]);
    const { run } = start(def, yellow);
    const frozen = JSON.stringify(run);
    advance(def, run, { now: '2026-04-01T00:00:00.000Z', account: yellow });
    expect(JSON.stringify(run)).toBe(frozen);
  });
});

describe('value re-discovery, end to end', () => {
  const def = valueRediscoveryPlaybook;

  it('escalates to a manager when the account is still red after 14 days', () => {
    const first = start(def, red);
    expect(first.effects.map((e) => e.kind)).toEqual(['create_task', 'create_task', 'send_email', 'create_task', 'schedule_wake']);
    expect(first.effects[0]).toMatchObject({ key: 'run-1:listen-call', dueAt: '2026-03-04T09:00:00.000Z' });
    const wakeAt = first.run.wakeAt ?? '';
    expect(wakeAt).toBe('2026-03-16T09:00:00.000Z');
    const last = advance(def, first.run, { now: wakeAt, account: red });
    expect(last.effects).toEqual([
      expect.objectContaining({ kind: 'create_task', role: 'manager', key: 'run-1:escalate' }),
      { kind: 'end', key: 'run-1:end', outcome: 'failed' },
    ]);
  });

  it('ends completed when no longer red, and exits recovered once green', () => {
    const first = start(def, red);
    expect(advance(def, first.run, { now: '2026-03-20T00:00:00.000Z', account: { ...yellow, segment: 'at_risk' } }).run.outcome).toBe('completed');
    expect(advance(def, first.run, { now: '2026-03-05T00:00:00.000Z', account: green }).run.outcome).toBe('recovered');
  });
});
