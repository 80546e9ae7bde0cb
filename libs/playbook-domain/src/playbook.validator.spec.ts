import { type PlaybookDefinition } from './playbook.types';
import { findCycleWithoutWait, formatValidationError, validatePlaybook, type ValidationError } from './playbook.validator';

const valid = (): Record<string, unknown> => ({
  id: 'sample',
  version: 1,
  name: 'Sample',
  trigger: { kind: 'alert_rule', ruleIds: ['nps_detractor'] },
  steps: [
    { kind: 'task', id: 'call', role: 'csm', title: 'Call', dueInHours: 48, template: 'sample/call' },
    { kind: 'email', id: 'mail', template: 'sample/mail', to: 'account_contact' },
    { kind: 'wait', id: 'pause', hours: 24 },
    { kind: 'branch', id: 'check', when: { field: 'health', op: 'lt', value: 40 }, then: 'hook', else: 'done' },
    { kind: 'webhook', id: 'hook', url: 'https://example.test/hook' },
    { kind: 'end', id: 'done', outcome: 'completed' },
  ],
  exitCriteria: ['recovered', 'churned'],
});

/** `valid()` with one step replaced (or the top-level patched). */
const withStep = (index: number, step: unknown): Record<string, unknown> => {
  const input = valid();
  const steps = [...(input.steps as unknown[])];
  steps[index] = step;
  return { ...input, steps };
};

const errorsOf = (input: unknown): readonly ValidationError[] => {
  const result = validatePlaybook(input);
  if (result.ok) throw new Error('expected the definition to be rejected');
  return result.errors;
};

describe('validatePlaybook', () => {
  it('accepts a definition with every step kind and returns a clean copy', () => {
    const input = valid();
    const result = validatePlaybook(input);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.playbook).toEqual(input);
    expect(result.playbook).not.toBe(input);
  });

  it('accepts each trigger kind, variants with their own steps, and empty exit criteria', () => {
    const result = validatePlaybook({
      ...valid(),
      trigger: { kind: 'segment_entered', segment: 'at_risk' },
      exitCriteria: [],
      variants: [
        { id: 'control', weight: 1 },
        { id: 'email-first', weight: 1, steps: [{ kind: 'email', id: 'mail', template: 't', to: 'account_contact' }] },
      ],
    });
    expect(result.ok).toBe(true);
    expect(validatePlaybook({ ...valid(), trigger: { kind: 'lifecycle_stage', stage: 'renewal' } }).ok).toBe(true);
    expect(validatePlaybook({ ...valid(), trigger: { kind: 'incident', category: 'risk' } }).ok).toBe(true);
    expect(validatePlaybook({ ...valid(), trigger: { kind: 'incident', category: 'expansion', minSeverity: 'high' } })).toMatchObject({
      ok: true,
      playbook: { trigger: { kind: 'incident', category: 'expansion', minSeverity: 'high' } },
    });
  });

  it('rejects a non-object', () => {
    expect(errorsOf(null)).toEqual([{ path: '', message: 'must be an object' }]);
    expect(errorsOf([])).toEqual([{ path: '', message: 'must be an object' }]);
  });

  it('names missing and malformed top-level fields', () => {
    expect(errorsOf({})).toEqual([
      { path: 'id', message: 'is required' },
      { path: 'version', message: 'is required' },
      { path: 'name', message: 'is required' },
      { path: 'trigger', message: 'is required' },
      { path: 'steps', message: 'is required' },
      { path: 'exitCriteria', message: 'is required' },
    ]);
    expect(errorsOf({ ...valid(), version: 1.5 })).toEqual([{ path: 'version', message: 'must be a positive integer' }]);
    expect(errorsOf({ ...valid(), version: 0 })).toEqual([{ path: 'version', message: 'must be a positive integer' }]);
    expect(errorsOf({ ...valid(), name: '  ' })).toEqual([{ path: 'name', message: 'must be a non-empty string' }]);
    expect(errorsOf({ ...valid(), id: 'Has Spaces' })[0]?.path).toBe('id');
    expect(errorsOf({ ...valid(), steps: [] })).toEqual([{ path: 'steps', message: 'must not be empty' }]);
    expect(errorsOf({ ...valid(), steps: {} })).toEqual([{ path: 'steps', message: 'must be an array' }]);
  });

  it('rejects unknown fields, naming them', () => {
    expect(errorsOf({ ...valid(), owner: 'me' })).toEqual([{ path: 'owner', message: expect.stringContaining('unknown field') }]);
    expect(errorsOf(withStep(0, { kind: 'task', id: 'call', role: 'csm', title: 'Call', dueInHour: 48 }))).toEqual([
      { path: 'steps.0.dueInHour', message: expect.stringContaining('unknown field') },
      { path: 'steps.0.dueInHours', message: 'is required' },
    ]);
  });

  it('checks triggers', () => {
    expect(errorsOf({ ...valid(), trigger: { kind: 'cron' } })).toEqual([
      { path: 'trigger.kind', message: 'unknown trigger kind "cron" (expected one of alert_rule, incident, segment_entered, lifecycle_stage)' },
    ]);
    expect(errorsOf({ ...valid(), trigger: { kind: 'alert_rule', ruleIds: [] } })).toEqual([{ path: 'trigger.ruleIds', message: 'must not be empty' }]);
    expect(errorsOf({ ...valid(), trigger: { kind: 'alert_rule', ruleIds: ['a', 'a', 3] } })).toEqual([
      { path: 'trigger.ruleIds.1', message: 'duplicate rule id "a"' },
      { path: 'trigger.ruleIds.2', message: 'must be a non-empty string' },
    ]);
    expect(errorsOf({ ...valid(), trigger: { kind: 'segment_entered', segment: 'happy' } })[0]?.path).toBe('trigger.segment');
    expect(errorsOf({ ...valid(), trigger: { kind: 'lifecycle_stage', stage: 'teen' } })[0]?.path).toBe('trigger.stage');
    expect(errorsOf({ ...valid(), trigger: { kind: 'incident' } })).toEqual([{ path: 'trigger.category', message: 'is required' }]);
    expect(errorsOf({ ...valid(), trigger: { kind: 'incident', category: 'churn' } })[0]?.path).toBe('trigger.category');
    expect(errorsOf({ ...valid(), trigger: { kind: 'incident', category: 'risk', minSeverity: 'huge' } })[0]?.path).toBe('trigger.minSeverity');
    expect(errorsOf({ ...valid(), trigger: { kind: 'incident', category: 'risk', ruleIds: ['a'] } })[0]?.path).toBe('trigger.ruleIds');
  });

  it('checks exit criteria', () => {
    expect(errorsOf({ ...valid(), exitCriteria: ['recovered', 'won', 'recovered'] })).toEqual([
      { path: 'exitCriteria.1', message: 'unknown exit criterion "won" (expected one of recovered, churned, expanded)' },
      { path: 'exitCriteria.2', message: 'duplicate exit criterion "recovered"' },
    ]);
  });

  describe('steps', () => {
    it('rejects an unknown or missing step kind', () => {
      expect(errorsOf(withStep(1, { kind: 'sms', id: 'mail' }))).toEqual([
        { path: 'steps.1.kind', message: 'unknown step kind "sms" (expected one of task, email, wait, branch, webhook, end)' },
      ]);
      expect(errorsOf(withStep(1, { id: 'mail' }))).toEqual([{ path: 'steps.1.kind', message: 'is required' }]);
      expect(errorsOf(withStep(1, 'mail'))).toEqual([{ path: 'steps.1', message: 'must be an object' }]);
    });

    it('requires a well-formed step id', () => {
      expect(errorsOf(withStep(1, { kind: 'email', template: 't', to: 'account_contact' }))).toEqual([{ path: 'steps.1.id', message: 'is required' }]);
      expect(errorsOf(withStep(1, { kind: 'email', id: 'a:b', template: 't', to: 'account_contact' }))[0]?.path).toBe('steps.1.id');
    });

    it('rejects duplicate step ids', () => {
      expect(errorsOf(withStep(1, { kind: 'email', id: 'call', template: 't', to: 'account_contact' }))).toEqual([
        { path: 'steps.1.id', message: 'duplicate step id "call" (first used at steps.0)' },
      ]);
    });

    it('checks task fields', () => {
      expect(errorsOf(withStep(0, { kind: 'task', id: 'call', role: 'csm', title: 'Call', dueInHours: -1 }))).toEqual([
        { path: 'steps.0.dueInHours', message: 'must be a positive number' },
      ]);
      expect(errorsOf(withStep(0, { kind: 'task', id: 'call', role: 'csm', title: 'Call', dueInHours: '48' }))).toEqual([
        { path: 'steps.0.dueInHours', message: 'must be a positive number' },
      ]);
      expect(errorsOf(withStep(0, { kind: 'task', id: 'call', role: 'ceo', title: '', dueInHours: 1, template: '' }))).toEqual([
        { path: 'steps.0.role', message: 'unknown role "ceo" (expected one of csm, sales, support, manager)' },
        { path: 'steps.0.title', message: 'must be a non-empty string' },
        { path: 'steps.0.template', message: 'must be a non-empty string' },
      ]);
    });

    it('checks email fields', () => {
      expect(errorsOf(withStep(1, { kind: 'email', id: 'mail', to: 'everyone' }))).toEqual([
        { path: 'steps.1.template', message: 'is required' },
        { path: 'steps.1.to', message: 'unknown recipient "everyone" (expected one of account_contact)' },
      ]);
    });

    it('checks wait hours', () => {
      expect(errorsOf(withStep(2, { kind: 'wait', id: 'pause', hours: 0 }))).toEqual([{ path: 'steps.2.hours', message: 'must be a positive number' }]);
      expect(errorsOf(withStep(2, { kind: 'wait', id: 'pause', hours: Infinity }))).toEqual([{ path: 'steps.2.hours', message: 'must be a positive number' }]);
    });

    it('checks webhook urls', () => {
      expect(errorsOf(withStep(4, { kind: 'webhook', id: 'hook', url: 'not a url' }))).toEqual([{ path: 'steps.4.url', message: 'must be an absolute http(s) URL' }]);
      expect(errorsOf(withStep(4, { kind: 'webhook', id: 'hook', url: 'file:///etc/passwd' }))).toEqual([
        { path: 'steps.4.url', message: 'must be an absolute http(s) URL' },
      ]);
    });

    it('checks end outcomes', () => {
      expect(errorsOf(withStep(5, { kind: 'end', id: 'done', outcome: 'won' }))[0]?.path).toBe('steps.5.outcome');
      expect(validatePlaybook(withStep(5, { kind: 'end', id: 'done' })).ok).toBe(true);
    });

    it('rejects branch targets that do not exist', () => {
      expect(errorsOf(withStep(3, { kind: 'branch', id: 'check', when: { field: 'health', op: 'lt', value: 40 }, then: 'nowhere', else: 'done' }))).toEqual([
        { path: 'steps.3.then', message: 'branch target "nowhere" is not a step id of steps' },
      ]);
      expect(errorsOf(withStep(3, { kind: 'branch', id: 'check', when: { field: 'health', op: 'lt', value: 40 }, then: 'done' }))).toEqual([
        { path: 'steps.3.else', message: 'is required' },
      ]);
    });

    it('checks branch conditions', () => {
      const branch = (when: unknown): Record<string, unknown> => withStep(3, { kind: 'branch', id: 'check', when, then: 'hook', else: 'done' });
      expect(errorsOf(branch({ field: 'mrr', op: 'gt', value: 1 }))).toEqual([
        { path: 'steps.3.when.field', message: 'unknown field "mrr" (expected one of band, segment, health)' },
        { path: 'steps.3.when.op', message: 'unknown operator "gt" (expected one of eq, lt, gte)' },
      ]);
      expect(errorsOf(branch({ field: 'health', op: 'gte', value: 'high' }))).toEqual([
        { path: 'steps.3.when.value', message: 'must be a number from 0 to 100 for field "health"' },
      ]);
      expect(errorsOf(branch({ field: 'band', op: 'eq', value: 'blue' }))).toEqual([
        { path: 'steps.3.when.value', message: 'must be one of green, yellow, red for field "band"' },
      ]);
      expect(errorsOf(branch({ field: 'segment', op: 'lt', value: 'stable' }))).toEqual([
        { path: 'steps.3.when.op', message: 'must be "eq" for field "segment"' },
      ]);
      expect(errorsOf(branch(undefined))).toEqual([{ path: 'steps.3.when', message: 'is required' }]);
      expect(validatePlaybook(branch({ field: 'band', op: 'lt', value: 'green' })).ok).toBe(true);
      expect(validatePlaybook(branch({ field: 'segment', op: 'eq', value: 'at_risk' })).ok).toBe(true);
    });

    it('rejects a cycle without a wait step, but allows one through a wait', () => {
      const loop = (target: string): Record<string, unknown> =>
        withStep(3, { kind: 'branch', id: 'check', when: { field: 'health', op: 'lt', value: 40 }, then: target, else: 'done' });
      expect(errorsOf(loop('check'))).toEqual([{ path: 'steps', message: 'steps check → check form a cycle without a wait step' }]);
      expect(validatePlaybook(loop('pause')).ok).toBe(true);
      expect(validatePlaybook(loop('call')).ok).toBe(true);
    });
  });

  describe('variants', () => {
    it('rejects weights that do not sum to more than 0', () => {
      expect(errorsOf({ ...valid(), variants: [{ id: 'a', weight: 0 }, { id: 'b', weight: 0 }] })).toEqual([
        { path: 'variants', message: 'variant weights must sum to more than 0' },
      ]);
      expect(errorsOf({ ...valid(), variants: [] })).toEqual([{ path: 'variants', message: 'variant weights must sum to more than 0' }]);
    });

    it('checks each variant', () => {
      expect(errorsOf({ ...valid(), variants: [{ id: 'a', weight: -1 }, { id: 'a', weight: 1 }, { weight: 1 }] })).toEqual([
        { path: 'variants.0.weight', message: 'must be a number ≥ 0' },
        { path: 'variants.1.id', message: 'duplicate variant id "a" (first used at variants.0)' },
        { path: 'variants.2.id', message: 'is required' },
      ]);
      expect(errorsOf({ ...valid(), variants: [{ id: 'a' }] })).toEqual([{ path: 'variants.0.weight', message: 'is required' }]);
    });

    it("validates a variant's own steps with their full path", () => {
      expect(errorsOf({ ...valid(), variants: [{ id: 'a', weight: 1, steps: [{ kind: 'wait', id: 'w', hours: -2 }] }] })).toEqual([
        { path: 'variants.0.steps.0.hours', message: 'must be a positive number' },
      ]);
      expect(
        errorsOf({ ...valid(), variants: [{ id: 'a', weight: 1, steps: [{ kind: 'branch', id: 'b', when: { field: 'health', op: 'lt', value: 1 }, then: 'call', else: 'b' }] }] }),
      ).toEqual([{ path: 'variants.0.steps.0.then', message: 'branch target "call" is not a step id of variants.0.steps' }]);
    });
  });

  it('formats an error as "path: message"', () => {
    const [error] = errorsOf(withStep(2, { kind: 'task', id: 'pause', role: 'csm', title: 'T', dueInHours: 0 }));
    expect(error && formatValidationError(error)).toBe('steps.2.dueInHours: must be a positive number');
    expect(formatValidationError({ path: '', message: 'must be an object' })).toBe('must be an object');
  });

  it('reports every error at once', () => {
    const errors = errorsOf({ ...valid(), version: -1, steps: [{ kind: 'wait', id: 'w', hours: 0 }, { kind: 'nope', id: 'x' }] });
    expect(errors.map((e) => e.path)).toEqual(['version', 'steps.0.hours', 'steps.1.kind']);
  });
});

describe('findCycleWithoutWait', () => {
  const task = (id: string): PlaybookDefinition['steps'][number] => ({ kind: 'task', id, role: 'csm', title: id, dueInHours: 1 });

  it('finds no cycle in a straight list', () => {
    expect(findCycleWithoutWait([task('a'), task('b')])).toBeUndefined();
  });

  it('names the steps of a loop back to an earlier step', () => {
    expect(
      findCycleWithoutWait([task('a'), task('b'), { kind: 'branch', id: 'c', when: { field: 'health', op: 'lt', value: 50 }, then: 'a', else: 'd' }, { kind: 'end', id: 'd' }]),
    ).toEqual(['a', 'b', 'c', 'a']);
  });
});
