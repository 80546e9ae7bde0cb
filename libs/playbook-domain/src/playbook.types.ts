import { type AlertCategory, type AlertSeverity, type LifecycleStage, type RunOutcome, type Segment } from '@bellwether/contracts';

/**
 * A playbook is data, not code: a versioned definition with a trigger, a sequence of steps and
 * exit criteria. `(id, version)` identifies one immutable definition; editing a playbook means
 * publishing a new version, and a run stays on the version it started with.
 */

export const RUN_OUTCOMES = ['recovered', 'churned', 'expanded', 'completed', 'failed'] as const satisfies readonly RunOutcome[];

export const INCIDENT_CATEGORIES = ['risk', 'expansion'] as const satisfies readonly AlertCategory[];
/** Lowest first: a `minSeverity` admits itself and everything after it. */
export const INCIDENT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const satisfies readonly AlertSeverity[];

export const TASK_ROLES = ['csm', 'sales', 'support', 'manager'] as const;
export type TaskRole = (typeof TASK_ROLES)[number];

export const STEP_KINDS = ['task', 'email', 'wait', 'branch', 'webhook', 'end'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export const EXIT_CRITERIA = ['recovered', 'churned', 'expanded'] as const;
export type ExitCriterion = (typeof EXIT_CRITERIA)[number];

export const BRANCH_FIELDS = ['band', 'segment', 'health'] as const;
export type BranchField = (typeof BRANCH_FIELDS)[number];

export const BRANCH_OPS = ['eq', 'lt', 'gte'] as const;
export type BranchOp = (typeof BRANCH_OPS)[number];

/** The variant id a run gets when its playbook defines no variants. */
export const CONTROL_VARIANT_ID = 'control';

export interface TaskStep {
  readonly kind: 'task';
  readonly id: string;
  readonly role: TaskRole;
  readonly title: string;
  /** Due offset from the moment the step runs, in hours (> 0). */
  readonly dueInHours: number;
  readonly template?: string;
}

/**
 * An email about the account, rendered from a template and sent through the outbox (the
 * deliveries). `template` names it (a built-in template of `builtInEmailTemplates`, or the name
 * the webhook adapter passes on); `subject` and `text` (and optionally `html`), Mustache templates
 * over `EmailContext`, are the step's own and win over the named one. Without SMTP the webhook
 * adapter receives the name and renders nothing.
 */
export interface EmailStep {
  readonly kind: 'email';
  readonly id: string;
  readonly template: string;
  /** Who it is for. The SMTP adapter sends it to the owner CSM's address, else a configured fallback (no contact address is known). */
  readonly to: 'account_contact';
  readonly subject?: string;
  readonly text?: string;
  readonly html?: string;
}

export interface WaitStep {
  readonly kind: 'wait';
  readonly id: string;
  /** Hours to wait (> 0). */
  readonly hours: number;
}

/**
 * A condition on the account's current scores. `health` (0–100) compares numerically; `band`
 * compares by rank red < yellow < green (`{band lt green}` = "not green"); `segment` supports
 * `eq` only.
 */
export interface BranchCondition {
  readonly field: BranchField;
  readonly op: BranchOp;
  readonly value: string | number;
}

export interface BranchStep {
  readonly kind: 'branch';
  readonly id: string;
  readonly when: BranchCondition;
  /** Step id to continue at when the condition holds. */
  readonly then: string;
  /** Step id to continue at otherwise. */
  readonly else: string;
}

export interface WebhookStep {
  readonly kind: 'webhook';
  readonly id: string;
  readonly url: string;
}

export interface EndStep {
  readonly kind: 'end';
  readonly id: string;
  /** Defaults to `completed`. */
  readonly outcome?: RunOutcome;
}

export type StepDefinition = TaskStep | EmailStep | WaitStep | BranchStep | WebhookStep | EndStep;

/**
 * - `alert_rule`: an alert of one of the rules opened (one run per alert; one live run per
 *   account and playbook);
 * - `incident`: an incident of the category opened (`bellwether.incidents.v1`), or later reached
 *   `minSeverity` (default: any); one run per incident, however many rules fire into it;
 * - `segment_entered`, `lifecycle_stage`: the account's score change entered the segment / stage.
 */
export type PlaybookTrigger =
  | { readonly kind: 'alert_rule'; readonly ruleIds: readonly string[] }
  | { readonly kind: 'incident'; readonly category: AlertCategory; readonly minSeverity?: AlertSeverity }
  | { readonly kind: 'segment_entered'; readonly segment: Segment }
  | { readonly kind: 'lifecycle_stage'; readonly stage: LifecycleStage };

export interface PlaybookVariant {
  readonly id: string;
  /** Relative weight (≥ 0); the weights of a playbook's variants must sum to more than 0. */
  readonly weight: number;
  /** The variant's own steps; when absent the variant runs the playbook's `steps`. */
  readonly steps?: readonly StepDefinition[];
}

export interface PlaybookDefinition {
  readonly id: string;
  /** Positive integer; a run is pinned to the version it started with. */
  readonly version: number;
  readonly name: string;
  readonly trigger: PlaybookTrigger;
  readonly steps: readonly StepDefinition[];
  readonly exitCriteria: readonly ExitCriterion[];
  readonly variants?: readonly PlaybookVariant[];
}

/** The event that may start playbooks: an alert rule firing, an incident, a segment entered, a stage reached. */
export type TriggerEvent =
  | { readonly kind: 'alert_rule'; readonly ruleId: string }
  | { readonly kind: 'incident'; readonly category: AlertCategory; readonly severity: AlertSeverity }
  | { readonly kind: 'segment_entered'; readonly segment: Segment }
  | { readonly kind: 'lifecycle_stage'; readonly stage: LifecycleStage };
