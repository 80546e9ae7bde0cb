import Mustache from 'mustache';
import type { AlertCategory, AlertSeverity, HealthBand, LifecycleStage, Segment } from '@bellwether/contracts';
import type { EmailStep, TriggerEvent } from './playbook.types';
import type { AccountSnapshot } from './run-state.types';

/**
 * The templates of an email step, Mustache (logic-less: names, sections, inverted sections; no
 * partials, no code). `subject` and `text` render verbatim (no escaping: they are not HTML);
 * `html`, when given, HTML-escapes every `{{name}}` (`{{{name}}}` inserts a value unescaped, for
 * operators who know what they do). The subject is folded onto one line.
 */
export interface EmailTemplates {
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
}

/** A rendered email: what the SMTP adapter sends. */
export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
}

/**
 * What scoring said of the account beyond the run's snapshot, kept with the account's newest
 * snapshot from its newest score change (`bellwether.scores.v1`) for emails to show: churn risk
 * (0–1), lifecycle stage, the change's top reasons (most important first), the owner CSM, MRR and
 * plan when the change carries them.
 */
export interface AccountProfile {
  readonly churnRisk: number;
  readonly stage: LifecycleStage;
  readonly reasons: readonly string[];
  readonly csmId?: string;
  readonly mrr?: number;
  readonly plan?: string;
}

/**
 * The view every email template renders (names as in `bellwether.scores.v1`). The account has no
 * name in Bellwether's data: `account.id` is what names it. Fields are absent (render empty, and
 * a section over them renders nothing) when the data does not hold them: `scored` false and no
 * health, band or segment before the account's first score change; no churn risk, stage or
 * reasons for a snapshot stored before profiles were kept.
 */
export interface EmailContext {
  readonly account: {
    readonly id: string;
    /** Whether a score change of the account has been seen (health, band and segment are then set). */
    readonly scored: boolean;
    /** 0–100. */
    readonly health?: number;
    readonly band?: HealthBand;
    readonly segment?: Segment;
    readonly stage?: LifecycleStage;
    /** Churn risk as a whole percentage, 0–100. */
    readonly churnRiskPercent?: number;
    readonly churned: boolean;
    /** Most important first (at most `MAX_EMAIL_REASONS`). */
    readonly reasons: readonly string[];
    readonly csmId?: string;
    readonly mrr?: number;
    readonly plan?: string;
  };
  readonly playbook: { readonly id: string; readonly version: number; readonly name: string };
  readonly run: { readonly id: string; readonly variant: string };
  /** What started the run; `summary` reads e.g. "alert rule payment_failed" or "risk incident (critical)". */
  readonly trigger: {
    readonly kind: TriggerEvent['kind'];
    readonly summary: string;
    readonly rule?: string;
    readonly category?: AlertCategory;
    readonly severity?: AlertSeverity;
    readonly segment?: Segment;
    readonly stage?: LifecycleStage;
  };
  readonly step: { readonly id: string };
  /** The delivery's id (the step's idempotency key). */
  readonly delivery: { readonly id: string };
}

/** Reasons an email lists at most (a score change carries its top reasons). */
export const MAX_EMAIL_REASONS = 5;

/** What `emailContext` builds the view from. */
export interface EmailContextInput {
  readonly deliveryId: string;
  readonly accountId: string;
  readonly playbook: { readonly id: string; readonly version: number; readonly name: string };
  readonly runId: string;
  readonly variantId: string;
  readonly stepId: string;
  readonly trigger: TriggerEvent;
  /** The account's newest snapshot, null before its first score change. */
  readonly snapshot: AccountSnapshot | null;
  readonly profile: AccountProfile | null;
}

/** The view of one email (see `EmailContext`): health rounded, churn risk as a percentage, reasons capped. */
export function emailContext(input: EmailContextInput): EmailContext {
  const { snapshot, profile } = input;
  return {
    account: {
      id: input.accountId,
      scored: snapshot !== null,
      ...(snapshot ? { health: Math.round(snapshot.health), band: snapshot.band, segment: snapshot.segment } : {}),
      ...(profile ? { stage: profile.stage, churnRiskPercent: Math.round(profile.churnRisk * 100) } : {}),
      churned: snapshot?.churned === true,
      reasons: (profile?.reasons ?? []).slice(0, MAX_EMAIL_REASONS),
      ...(profile?.csmId === undefined ? {} : { csmId: profile.csmId }),
      ...(profile?.mrr === undefined ? {} : { mrr: profile.mrr }),
      ...(profile?.plan === undefined ? {} : { plan: profile.plan }),
    },
    playbook: input.playbook,
    run: { id: input.runId, variant: input.variantId },
    trigger: triggerView(input.trigger),
    step: { id: input.stepId },
    delivery: { id: input.deliveryId },
  };
}

function triggerView(trigger: TriggerEvent): EmailContext['trigger'] {
  switch (trigger.kind) {
    case 'alert_rule':
      return { kind: trigger.kind, summary: `alert rule ${trigger.ruleId}`, rule: trigger.ruleId };
    case 'incident':
      return { kind: trigger.kind, summary: `${trigger.category} incident (${trigger.severity})`, category: trigger.category, severity: trigger.severity };
    case 'segment_entered':
      return { kind: trigger.kind, summary: `entered segment ${trigger.segment}`, segment: trigger.segment };
    case 'lifecycle_stage':
      return { kind: trigger.kind, summary: `reached lifecycle stage ${trigger.stage}`, stage: trigger.stage };
  }
}

/**
 * Every name a template may use, with a value of its type: templates are checked against it when
 * playbooks load, so a misspelt name (`{{acount.id}}`) stops the start instead of rendering empty.
 */
const CONTEXT_SHAPE: EmailContext = {
  account: {
    id: 'acct',
    scored: true,
    health: 50,
    band: 'yellow',
    segment: 'stable',
    stage: 'adoption',
    churnRiskPercent: 10,
    churned: false,
    reasons: ['reason'],
    csmId: 'csm',
    mrr: 1,
    plan: 'plan',
  },
  playbook: { id: 'pb', version: 1, name: 'name' },
  run: { id: 'run', variant: 'control' },
  trigger: { kind: 'alert_rule', summary: 'summary', rule: 'rule', category: 'risk', severity: 'high', segment: 'stable', stage: 'adoption' },
  step: { id: 'step' },
  delivery: { id: 'delivery' },
};

type Span = ReturnType<typeof Mustache.parse>[number];

/**
 * The problems of one template (empty when it is fine): a syntax error (an unclosed or unopened
 * section, an unclosed tag), a partial (`{{> name}}`: there are none), or a name the context does
 * not have. Names resolve as Mustache resolves them: `.` is the current item, a dotted name is
 * looked up from the innermost section outwards.
 */
export function emailTemplateProblems(source: string): string[] {
  let spans: Span[];
  try {
    spans = Mustache.parse(source);
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
  const problems: string[] = [];
  checkSpans(spans, [CONTEXT_SHAPE], problems);
  return problems;
}

function checkSpans(spans: readonly Span[], stack: readonly unknown[], problems: string[]): void {
  for (const span of spans) {
    const [type, name] = span;
    if (type === 'text' || type === '!' || type === '=') continue;
    if (type === '>') {
      problems.push(`partials are not supported ({{> ${name}}})`);
      continue;
    }
    const value = resolve(name, stack);
    if (value === undefined) {
      problems.push(`unknown name "${name}"`);
      continue;
    }
    if (type !== '#' && type !== '^') continue;
    const inner = span[4];
    if (!Array.isArray(inner)) continue;
    // A section over a list renders per item; over an object or a value, with it on top of the stack.
    checkSpans(inner as Span[], type === '#' ? [...stack, Array.isArray(value) ? value[0] : value] : stack, problems);
  }
}

/** The value at `name` in the innermost frame that has it, as Mustache's lookup finds it; undefined when none has. */
function resolve(name: string, stack: readonly unknown[]): unknown {
  if (name === '.') return stack[stack.length - 1];
  const path = name.split('.');
  for (let i = stack.length - 1; i >= 0; i -= 1) {
    let value: unknown = stack[i];
    for (const key of path) {
      // A list's item by index (`account.reasons.0`, as Mustache reads it) has the shape of its first.
      if (Array.isArray(value)) value = /^\d+$/.test(key) ? value[0] : undefined;
      else value = value !== null && typeof value === 'object' && Object.prototype.hasOwnProperty.call(value, key) ? (value as Record<string, unknown>)[key] : undefined;
      if (value === undefined) break;
    }
    if (value !== undefined) return value;
  }
  return undefined;
}

const verbatim = (value: unknown): string => String(value);

/**
 * Renders an email step's templates over `context`: subject and text verbatim (the subject on one
 * line, whitespace runs folded), the HTML body HTML-escaped (Mustache's default). Names the
 * context lacks render empty; templates are checked by `emailTemplateProblems` when playbooks load.
 */
export function renderEmail(templates: EmailTemplates, context: EmailContext): RenderedEmail {
  const subject = Mustache.render(templates.subject, context, {}, { escape: verbatim }).replace(/\s+/g, ' ').trim();
  const text = Mustache.render(templates.text, context, {}, { escape: verbatim });
  return templates.html === undefined ? { subject, text } : { subject, text, html: Mustache.render(templates.html, context) };
}

/** The account lines every built-in email starts with. */
const ACCOUNT_SUMMARY = [
  'Account: {{account.id}}{{#account.plan}} ({{account.plan}} plan{{#account.mrr}}, MRR {{account.mrr}}{{/account.mrr}}){{/account.plan}}',
  '{{#account.scored}}Health: {{account.health}} ({{account.band}}), segment {{account.segment}}{{/account.scored}}{{^account.scored}}Not scored yet{{/account.scored}}',
  '{{#account.stage}}Churn risk: {{account.churnRiskPercent}}%, lifecycle stage {{account.stage}}{{/account.stage}}',
  'Owner CSM: {{#account.csmId}}{{account.csmId}}{{/account.csmId}}{{^account.csmId}}none{{/account.csmId}}',
  'Started by: {{trigger.summary}} (playbook {{playbook.name}}, run {{run.id}})',
  '{{#account.reasons.0}}',
  'Why:',
  '{{/account.reasons.0}}',
  '{{#account.reasons}}',
  '- {{.}}',
  '{{/account.reasons}}',
].join('\n');

function builtInEmail(subject: string, ask: string): EmailTemplates {
  return { subject: `[{{account.id}}] ${subject}`, text: `${ask}\n\n${ACCOUNT_SUMMARY}\n` };
}

/**
 * The emails of the built-in playbooks, by the template name their steps carry. Bellwether holds
 * no address of an account's contact, so these go to the owner CSM (or the configured fallback)
 * as the prompt to write to the contact, with the account's state and the reasons behind it.
 */
export const builtInEmailTemplates: Readonly<Record<string, EmailTemplates>> = {
  'value-rediscovery/success-story': builtInEmail(
    'Share a success story with the account',
    '{{playbook.name}}: send the account a success story of a customer like them, tied to the goals they bought for.',
  ),
  'adoption-expansion/unused-feature-success-case': builtInEmail(
    'Suggest an unused key feature, with a success case',
    '{{playbook.name}}: suggest one key feature the account does not use yet, with a success case of a customer who does.',
  ),
  'ambassador/beta-community-invitation': builtInEmail('Invite the account to the beta and the community', '{{playbook.name}}: invite the account to the beta programme and the customer community.'),
  'onboarding-rescue/training-invitation': builtInEmail('Invite the account to a training session', "{{playbook.name}}: invite the account's users to a training session to get the onboarding moving."),
  'payment-recovery/payment-failed': builtInEmail('A payment failed: contact the account', '{{playbook.name}}: a payment of the account failed. Let them know, and how to update their payment details.'),
};

/** The templates an email step renders: its own `subject`/`text`/`html`, else the built-in template its `template` names, else null. */
export function emailTemplatesFor(step: EmailStep): EmailTemplates | null {
  if (step.subject !== undefined && step.text !== undefined) return { subject: step.subject, text: step.text, ...(step.html === undefined ? {} : { html: step.html }) };
  return Object.prototype.hasOwnProperty.call(builtInEmailTemplates, step.template) ? (builtInEmailTemplates[step.template] ?? null) : null;
}
