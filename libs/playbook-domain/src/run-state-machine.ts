import { type HealthBand, type RunOutcome } from '@bellwether/contracts';
import { CONTROL_VARIANT_ID, type BranchCondition, type ExitCriterion, type PlaybookDefinition, type StepDefinition } from './playbook.types';
import {
  type AccountSnapshot,
  type AdvanceInput,
  type AdvanceOptions,
  type RunEffect,
  type RunHistoryEntry,
  type RunState,
  type RunStatus,
  type RunTransition,
  type StartRunInput,
  type StepResult,
} from './run-state.types';
import { addHours, isAtOrAfter, toMillis } from './time.util';

/** Steps one `advance` may execute before the run is parked (a guard against loops). */
export const MAX_STEPS_PER_ADVANCE = 50;

const TERMINAL: readonly RunStatus[] = ['completed', 'exited', 'parked'];
/** Results that mean "the step was entered" (they count as visits for idempotency keys). */
const VISITS: readonly StepResult[] = ['task_created', 'email_queued', 'webhook_queued', 'wait_scheduled', 'branch_then', 'branch_else', 'ended'];
/** Exit criteria in the order they are checked: the hardest fact first. */
const EXIT_ORDER: readonly ExitCriterion[] = ['churned', 'expanded', 'recovered'];
const BAND_RANK: Readonly<Record<HealthBand, number>> = { red: 0, yellow: 1, green: 2 };

export function isTerminal(status: RunStatus): boolean {
  return TERMINAL.includes(status);
}

/** The steps a variant runs: its own, else the playbook's; `undefined` for an unknown variant. */
export function stepsForVariant(definition: PlaybookDefinition, variantId: string): readonly StepDefinition[] | undefined {
  const variants = definition.variants ?? [];
  if (variants.length === 0) return variantId === CONTROL_VARIANT_ID ? definition.steps : undefined;
  const variant = variants.find((v) => v.id === variantId);
  return variant === undefined ? undefined : (variant.steps ?? definition.steps);
}

/**
 * Which exit criterion of the playbook holds for the account, if any. `churned` and `expanded`
 * come from the snapshot's flags; `recovered` means the band is green **and** the segment is no
 * longer `at_risk` (a green detractor or a green account with billing trouble is still at risk).
 * A churned account ends every run as `churned`, listed or not: there is no customer left to
 * run a playbook for (issue 15: "its playbook runs exit").
 */
export function exitCriterionMet(criteria: readonly ExitCriterion[], account: AccountSnapshot): ExitCriterion | undefined {
  if (account.churned === true) return 'churned';
  const holds: Record<ExitCriterion, boolean> = {
    churned: false, // a churned account returned above
    expanded: account.expanded === true,
    recovered: account.band === 'green' && account.segment !== 'at_risk',
  };
  return EXIT_ORDER.find((criterion) => criteria.includes(criterion) && holds[criterion]);
}

/** Evaluates a branch condition against the account's current scores. */
export function evaluateCondition(when: BranchCondition, account: AccountSnapshot): boolean {
  const compare = (actual: number, expected: number): boolean =>
    when.op === 'eq' ? actual === expected : when.op === 'lt' ? actual < expected : actual >= expected;
  switch (when.field) {
    case 'health':
      return typeof when.value === 'number' && compare(account.health, when.value);
    case 'band': {
      const expected = typeof when.value === 'string' && isBand(when.value) ? BAND_RANK[when.value] : undefined;
      return expected !== undefined && compare(BAND_RANK[account.band], expected);
    }
    case 'segment':
      return when.op === 'eq' && account.segment === when.value;
  }
}

/**
 * Starts a run of `definition` for an account, positioned at the variant's first step. With
 * `account`, it also advances at once (so the first steps' effects come back); without it the
 * caller advances later. Throws RangeError for a variant the definition does not have or an
 * unparseable `now` — both are caller bugs (use `chooseVariant` on the same definition).
 */
export function startRun(definition: PlaybookDefinition, input: StartRunInput): RunTransition {
  toMillis(input.now);
  const steps = stepsForVariant(definition, input.variantId);
  if (steps === undefined) {
    throw new RangeError(`playbook ${definition.id} v${definition.version} has no variant "${input.variantId}"`);
  }
  const first = steps[0];
  const run: RunState = {
    runId: input.runId,
    playbookId: definition.id,
    playbookVersion: definition.version,
    variantId: input.variantId,
    accountId: input.accountId,
    status: 'running',
    currentStepId: first?.id ?? null,
    history: [],
  };
  if (first === undefined) return end(run, [], [], 'completed', 'completed');
  return input.account === undefined ? { run, effects: [] } : advance(definition, run, { now: input.now, account: input.account });
}

/**
 * Moves a run forward as far as it can go at `now`, returning the new state and the effects to
 * perform. In order: a terminal run is returned unchanged; a run whose definition (id/version)
 * or variant does not match is parked; an exit criterion that holds exits the run; a waiting run
 * before its `wakeAt` is returned unchanged, at or after it continues with the next step. Then
 * steps execute until a wait, an end, the end of the list (completed), or `maxSteps` (parked).
 * Deterministic: the same (definition, run, input) always gives the same transition.
 */
export function advance(definition: PlaybookDefinition, run: RunState, input: AdvanceInput, options: AdvanceOptions = {}): RunTransition {
  const { now, account } = input;
  toMillis(now);
  if (isTerminal(run.status)) return { run, effects: [] };
  if (definition.id !== run.playbookId || definition.version !== run.playbookVersion) {
    return park(run, [], [...run.history], now, `definition_mismatch: run is on ${run.playbookId} v${run.playbookVersion}, got ${definition.id} v${definition.version}`);
  }
  const steps = stepsForVariant(definition, run.variantId);
  if (steps === undefined) return park(run, [], [...run.history], now, `unknown_variant: ${run.variantId}`);

  const history: RunHistoryEntry[] = [...run.history];
  const exit = exitCriterionMet(definition.exitCriteria, account);
  if (exit !== undefined) {
    history.push({ stepId: run.currentStepId ?? '', at: now, result: 'exited', detail: exit });
    return end(run, [], history, exit, 'exited');
  }

  let current = run.currentStepId;
  if (run.status === 'waiting') {
    if (run.wakeAt !== undefined && !isAtOrAfter(now, run.wakeAt)) return { run, effects: [] };
    if (current !== null) {
      history.push({ stepId: current, at: now, result: 'woke' });
      current = nextStepId(steps, current);
    }
  }

  const effects: RunEffect[] = [];
  const maxSteps = options.maxSteps ?? MAX_STEPS_PER_ADVANCE;
  for (let executed = 0; ; executed += 1) {
    if (current === null) return end(run, effects, history, 'completed', 'completed');
    const step = steps.find((s) => s.id === current);
    if (step === undefined) return park({ ...run, currentStepId: current }, effects, history, now, `unknown_step: ${current}`);
    if (executed >= maxSteps) {
      return park({ ...run, currentStepId: current }, effects, history, now, `step_cap_exceeded: more than ${maxSteps} steps in one advance`);
    }
    const key = effectKey(run.runId, step.id, history);
    const record = (result: StepResult, detail?: string): void => {
      history.push({ stepId: step.id, at: now, result, ...(detail === undefined ? {} : { detail }) });
    };
    switch (step.kind) {
      case 'task':
        effects.push({
          kind: 'create_task',
          key,
          stepId: step.id,
          role: step.role,
          title: step.title,
          dueAt: addHours(now, step.dueInHours),
          ...(step.template === undefined ? {} : { template: step.template }),
        });
        record('task_created');
        current = nextStepId(steps, step.id);
        break;
      case 'email':
        effects.push({ kind: 'send_email', key, stepId: step.id, template: step.template });
        record('email_queued');
        current = nextStepId(steps, step.id);
        break;
      case 'webhook':
        effects.push({ kind: 'call_webhook', key, stepId: step.id, url: step.url });
        record('webhook_queued');
        current = nextStepId(steps, step.id);
        break;
      case 'branch': {
        const holds = evaluateCondition(step.when, account);
        record(holds ? 'branch_then' : 'branch_else');
        current = holds ? step.then : step.else;
        break;
      }
      case 'wait': {
        const wakeAt = addHours(now, step.hours);
        effects.push({ kind: 'schedule_wake', key, stepId: step.id, at: wakeAt });
        record('wait_scheduled');
        return { run: { ...run, status: 'waiting', currentStepId: step.id, wakeAt, history }, effects };
      }
      case 'end': {
        const outcome = step.outcome ?? 'completed';
        record('ended', outcome);
        return end(run, effects, history, outcome, 'completed');
      }
    }
  }
}

/** `${runId}:${stepId}` on a step's first visit, `${runId}:${stepId}:${n}` on its n-th. */
function effectKey(runId: string, stepId: string, history: readonly RunHistoryEntry[]): string {
  const visits = history.filter((h) => h.stepId === stepId && VISITS.includes(h.result)).length;
  return visits === 0 ? `${runId}:${stepId}` : `${runId}:${stepId}:${visits + 1}`;
}

function nextStepId(steps: readonly StepDefinition[], stepId: string): string | null {
  const index = steps.findIndex((s) => s.id === stepId);
  return steps[index + 1]?.id ?? null;
}

function end(
  run: RunState,
  effects: RunEffect[],
  history: readonly RunHistoryEntry[],
  outcome: RunOutcome,
  status: 'completed' | 'exited',
): RunTransition {
  const { wakeAt: _wakeAt, ...rest } = run;
  effects.push({ kind: 'end', key: `${run.runId}:end`, outcome });
  return { run: { ...rest, status, currentStepId: null, outcome, history }, effects };
}

function park(run: RunState, effects: readonly RunEffect[], history: RunHistoryEntry[], now: string, reason: string): RunTransition {
  const { wakeAt: _wakeAt, ...rest } = run;
  history.push({ stepId: run.currentStepId ?? '', at: now, result: 'parked', detail: reason });
  return { run: { ...rest, status: 'parked', history }, effects };
}

function isBand(value: string): value is HealthBand {
  return Object.hasOwn(BAND_RANK, value);
}
