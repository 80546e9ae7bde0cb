import { type PlaybookDefinition } from './playbook.types';

/**
 * The seven built-in playbooks, from the seeds' segment scenarios (product.md, "Playbooks").
 * Durations are hours; templates are names the email/task renderer resolves.
 *
 * Trigger choices (a definition has exactly one trigger):
 * - value re-discovery starts on the alert rules `health_entered_red` and `segment_at_risk`
 *   rather than on `segment_entered: at_risk`: entering `at_risk` raises the `segment_at_risk`
 *   alert, so the alert trigger covers both paths and the run links to the alert it answers.
 * - detractor closed loop, onboarding rescue and payment recovery start on their alert rules
 *   (`nps_detractor`, `onboarding_stalled`, `payment_failed`).
 * - adoption expansion and ambassador start when the account enters `stable` / `loyal`.
 * - renewal preparation starts when the lifecycle stage becomes `renewal` (the 90-day window).
 * - none uses the `incident` trigger (issue 15): each built-in answers one cause (a detractor, a
 *   failed payment, a stalled onboarding, red health) with its own steps, which an incident —
 *   every risk rule of the account at once — cannot choose between; an incident trigger on
 *   value re-discovery would start it for a failed payment too. Duplicates are already bounded:
 *   an account has at most one live run per playbook (the runs store refuses a second), so the
 *   two rules of value re-discovery start one run, not two. `incident` triggers are for
 *   operators' own playbooks ("any serious risk incident: manager review").
 *
 * Exit criteria: only value re-discovery exits on `recovered`; the others are started for
 * reasons a green band does not answer (a detractor, a failed payment, a stalled onboarding, an
 * upcoming renewal) or for accounts that are already green (adoption expansion, ambassador).
 */

const H = { day: 24, week: 168 } as const;

export const valueRediscoveryPlaybook: PlaybookDefinition = {
  id: 'value-rediscovery',
  version: 1,
  name: 'Value re-discovery',
  trigger: { kind: 'alert_rule', ruleIds: ['health_entered_red', 'segment_at_risk'] },
  steps: [
    { kind: 'task', id: 'listen-call', role: 'csm', title: 'Listening call: what changed, and what value did they expect?', dueInHours: 2 * H.day, template: 'value-rediscovery/listen-call' },
    { kind: 'task', id: 're-onboarding', role: 'csm', title: 'Re-onboarding session on the features tied to their goals', dueInHours: H.week, template: 'value-rediscovery/re-onboarding' },
    { kind: 'email', id: 'success-story', template: 'value-rediscovery/success-story', to: 'account_contact' },
    { kind: 'task', id: 'small-win', role: 'csm', title: 'Plan a small win with a date and an owner', dueInHours: 10 * H.day, template: 'value-rediscovery/small-win' },
    { kind: 'wait', id: 'check-in-14-days', hours: 14 * H.day },
    { kind: 'branch', id: 'health-check', when: { field: 'band', op: 'eq', value: 'red' }, then: 'escalate', else: 'done' },
    { kind: 'task', id: 'escalate', role: 'manager', title: 'Still red 14 days after value re-discovery: review the account', dueInHours: 2 * H.day },
    { kind: 'end', id: 'not-recovered', outcome: 'failed' },
    { kind: 'end', id: 'done' },
  ],
  exitCriteria: ['recovered', 'churned'],
};

export const detractorClosedLoopPlaybook: PlaybookDefinition = {
  id: 'detractor-closed-loop',
  version: 1,
  name: 'Detractor closed loop',
  trigger: { kind: 'alert_rule', ruleIds: ['nps_detractor'] },
  steps: [
    { kind: 'task', id: 'csm-call', role: 'csm', title: 'CSM call within 48 h', dueInHours: 48, template: 'detractor-closed-loop/call' },
    { kind: 'task', id: 'root-cause', role: 'csm', title: 'Log the root cause of the detractor score', dueInHours: 3 * H.day },
    { kind: 'wait', id: 'let-fix-land', hours: H.week },
    { kind: 'task', id: 'follow-up', role: 'csm', title: 'Follow up: confirm the fix landed and close the loop', dueInHours: 2 * H.day, template: 'detractor-closed-loop/follow-up' },
  ],
  exitCriteria: ['churned'],
};

export const adoptionExpansionPlaybook: PlaybookDefinition = {
  id: 'adoption-expansion',
  version: 1,
  name: 'Adoption expansion',
  trigger: { kind: 'segment_entered', segment: 'stable' },
  steps: [
    { kind: 'task', id: 'usage-review', role: 'csm', title: 'Usage review: which key features are used, which are not', dueInHours: 5 * H.day, template: 'adoption-expansion/usage-review' },
    { kind: 'email', id: 'unused-feature', template: 'adoption-expansion/unused-feature-success-case', to: 'account_contact' },
    { kind: 'wait', id: 'let-it-land', hours: 30 * H.day },
    // Good expansion only: cross-sell while the account is still `stable`, never when at risk.
    { kind: 'branch', id: 'still-stable', when: { field: 'segment', op: 'eq', value: 'stable' }, then: 'cross-sell', else: 'done' },
    { kind: 'task', id: 'cross-sell', role: 'sales', title: 'Problem-led cross-sell: the product that solves a problem they told us about', dueInHours: H.week, template: 'adoption-expansion/cross-sell' },
    { kind: 'end', id: 'done' },
  ],
  exitCriteria: ['expanded', 'churned'],
};

export const ambassadorPlaybook: PlaybookDefinition = {
  id: 'ambassador',
  version: 1,
  name: 'Ambassador',
  trigger: { kind: 'segment_entered', segment: 'loyal' },
  steps: [
    { kind: 'email', id: 'community-invitation', template: 'ambassador/beta-community-invitation', to: 'account_contact' },
    { kind: 'task', id: 'advisory-ask', role: 'csm', title: 'Advisory ask: advisory board, case study or referral', dueInHours: 2 * H.week, template: 'ambassador/advisory-ask' },
    { kind: 'wait', id: 'before-proposal', hours: 30 * H.day },
    { kind: 'task', id: 'top-plan-proposal', role: 'sales', title: 'Consultative top-plan proposal built on their outcomes', dueInHours: H.week, template: 'ambassador/top-plan-proposal' },
  ],
  exitCriteria: ['expanded', 'churned'],
};

export const onboardingRescuePlaybook: PlaybookDefinition = {
  id: 'onboarding-rescue',
  version: 1,
  name: 'Onboarding rescue',
  trigger: { kind: 'alert_rule', ruleIds: ['onboarding_stalled'] },
  steps: [
    { kind: 'task', id: 'setup-help', role: 'support', title: 'Setup help: unblock the stalled onboarding milestone', dueInHours: 2 * H.day, template: 'onboarding-rescue/setup-help' },
    { kind: 'email', id: 'training-invitation', template: 'onboarding-rescue/training-invitation', to: 'account_contact' },
    { kind: 'task', id: 'training', role: 'csm', title: "Training session for the account's users", dueInHours: H.week, template: 'onboarding-rescue/training' },
    { kind: 'task', id: 'kickoff-rerun', role: 'csm', title: 'Re-run the kickoff: goals, milestones and owners', dueInHours: 2 * H.week, template: 'onboarding-rescue/kickoff' },
  ],
  exitCriteria: ['churned'],
};

export const renewalPreparationPlaybook: PlaybookDefinition = {
  id: 'renewal-preparation',
  version: 1,
  name: 'Renewal preparation',
  trigger: { kind: 'lifecycle_stage', stage: 'renewal' },
  steps: [
    { kind: 'task', id: 'qbr-roi', role: 'csm', title: 'QBR with the value achieved (ROI)', dueInHours: 2 * H.week, template: 'renewal-preparation/qbr-roi' },
    // Started 90 days before renewal; the proposal is due 60 days before it.
    { kind: 'wait', id: 'until-60-days', hours: 30 * H.day },
    { kind: 'task', id: 'renewal-proposal', role: 'csm', title: 'Renewal proposal (60 days before renewal)', dueInHours: 3 * H.day, template: 'renewal-preparation/proposal' },
  ],
  exitCriteria: ['churned'],
};

export const paymentRecoveryPlaybook: PlaybookDefinition = {
  id: 'payment-recovery',
  version: 1,
  name: 'Payment recovery',
  trigger: { kind: 'alert_rule', ruleIds: ['payment_failed'] },
  steps: [
    { kind: 'email', id: 'billing-notice', template: 'payment-recovery/payment-failed', to: 'account_contact' },
    { kind: 'task', id: 'billing-contact', role: 'support', title: 'Billing contact: confirm the failed payment and update the details', dueInHours: H.day, template: 'payment-recovery/billing-contact' },
    { kind: 'task', id: 'flexible-terms', role: 'sales', title: 'Offer flexible terms (payment plan, billing date, plan fit)', dueInHours: 3 * H.day, template: 'payment-recovery/flexible-terms' },
    { kind: 'task', id: 'roi-review', role: 'csm', title: 'ROI review: the value delivered so far', dueInHours: H.week, template: 'payment-recovery/roi-review' },
  ],
  exitCriteria: ['churned'],
};

export const builtInPlaybooks: readonly PlaybookDefinition[] = [
  valueRediscoveryPlaybook,
  detractorClosedLoopPlaybook,
  adoptionExpansionPlaybook,
  ambassadorPlaybook,
  onboardingRescuePlaybook,
  renewalPreparationPlaybook,
  paymentRecoveryPlaybook,
];
