import { type HealthBand, type RunOutcome, type Segment } from '@bellwether/contracts';
import { type TaskRole } from './playbook.types';

export type RunStatus = 'running' | 'waiting' | 'completed' | 'exited' | 'parked';

/** What happened at a step (or to the run) — the run's audit trail. */
export type StepResult =
  | 'task_created'
  | 'email_queued'
  | 'webhook_queued'
  | 'wait_scheduled'
  | 'woke'
  | 'branch_then'
  | 'branch_else'
  | 'ended'
  | 'exited'
  | 'parked';

export interface RunHistoryEntry {
  readonly stepId: string;
  /** The `now` of the advance that recorded it. */
  readonly at: string;
  readonly result: StepResult;
  /** For `ended`/`exited`: the outcome; for `parked`: why. */
  readonly detail?: string;
}

/**
 * One playbook run for one account, pinned to a definition version and a variant.
 * Invariant: `running`/`waiting` runs have a `currentStepId`; `waiting` runs have `wakeAt`.
 */
export interface RunState {
  readonly runId: string;
  readonly playbookId: string;
  readonly playbookVersion: number;
  /** The version of the playbook set that started it (issue 18 §1); absent on runs from before set versions. */
  readonly playbooksVersion?: string;
  readonly variantId: string;
  readonly accountId: string;
  readonly status: RunStatus;
  /** The step to execute next (for `waiting`: the wait step); `null` once the run has ended. */
  readonly currentStepId: string | null;
  readonly wakeAt?: string;
  readonly outcome?: RunOutcome;
  readonly history: readonly RunHistoryEntry[];
}

/** The account's current scores, as the run sees them when it advances. */
export interface AccountSnapshot {
  readonly band: HealthBand;
  readonly segment: Segment;
  readonly health: number;
  readonly churned?: boolean;
  readonly expanded?: boolean;
}

/**
 * Commands for the executor, each performed exactly once: `key` is the idempotency key,
 * `${runId}:${stepId}` for the first visit of a step (`${runId}:${stepId}:${n}` for the n-th visit
 * when a branch loops back through a wait), and `${runId}:end` for the end of the run. Keys never
 * carry an attempt number, so re-running the same advance yields the same keys.
 */
export type RunEffect =
  | { readonly kind: 'create_task'; readonly key: string; readonly stepId: string; readonly role: TaskRole; readonly title: string; readonly dueAt: string; readonly template?: string }
  | { readonly kind: 'send_email'; readonly key: string; readonly stepId: string; readonly template: string }
  | { readonly kind: 'call_webhook'; readonly key: string; readonly stepId: string; readonly url: string }
  | { readonly kind: 'schedule_wake'; readonly key: string; readonly stepId: string; readonly at: string }
  | { readonly kind: 'end'; readonly key: string; readonly outcome: RunOutcome };

export interface RunTransition {
  readonly run: RunState;
  readonly effects: readonly RunEffect[];
}

export interface StartRunInput {
  readonly runId: string;
  readonly accountId: string;
  readonly variantId: string;
  /** ISO-8601; the trigger's event time. */
  readonly now: string;
  /** When given, the run advances in the same call (its first steps' effects are returned). */
  readonly account?: AccountSnapshot;
}

export interface AdvanceInput {
  /** ISO-8601; the pipeline's watermark or the trigger's event time, never the wall clock. */
  readonly now: string;
  readonly account: AccountSnapshot;
}

export interface AdvanceOptions {
  /** Steps executed per call before the run is parked (default 50). */
  readonly maxSteps?: number;
}
