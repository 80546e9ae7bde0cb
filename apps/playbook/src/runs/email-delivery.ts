import { deliveryMessageId, type EmailMessage } from '@bellwether/platform';
import { emailContext, emailTemplatesFor, renderEmail, type EmailStep, type EmailTemplates, type PlaybookDefinition } from '@bellwether/playbook-domain';
import type { PlaybookDelivery } from './delivery.repository';

/** The SMTP adapter's settings (PlaybookEnv). */
export interface EmailSettings {
  /** EMAIL_FROM. */
  readonly from: string;
  /** EMAIL_FALLBACK_TO: for accounts whose owner CSM has no address. */
  readonly fallbackTo?: string;
}

/** An email to send, or why none can be (the delivery then fails at once and its run is parked with the reason). */
export type EmailPlan = { readonly message: EmailMessage } | { readonly refused: string };

/**
 * The owner CSM of a delivery's account: the one the account's newest score change names, else
 * the one whose queue the run's tasks go to (`csm:<id>`), else none.
 */
export function ownerCsmOf(delivery: PlaybookDelivery): string | null {
  const fromProfile = delivery.context.profile?.csmId;
  if (fromProfile) return fromProfile;
  return delivery.context.queue.startsWith('csm:') ? delivery.context.queue.slice('csm:'.length) : null;
}

/**
 * Who an email goes to. Bellwether holds no address of an account's contact, so: the owner CSM's
 * address when the directory has one (`csmAddress`), else EMAIL_FALLBACK_TO, else nobody (null).
 */
export function emailRecipient(ownerCsm: string | null, csmAddress: (csmId: string) => string | null, fallbackTo: string | undefined): string | null {
  return (ownerCsm === null ? null : csmAddress(ownerCsm)) ?? fallbackTo ?? null;
}

/**
 * The email of a delivery: its step's templates (the definition of the run's playbook version and
 * variant; the built-in template named by the row when the definition is gone) rendered over the
 * account's snapshot and profile, the run and its trigger (`emailContext`), to `emailRecipient`,
 * with the delivery's Message-ID (`deliveryMessageId`: the same on every attempt) and its id in
 * `X-Bellwether-Delivery-Id`. Refused, with the reason, when there is no template or no recipient.
 */
export function planEmail(delivery: PlaybookDelivery, definitions: readonly PlaybookDefinition[], settings: EmailSettings, csmAddress: (csmId: string) => string | null): EmailPlan {
  const { context } = delivery;
  const playbookId = String(delivery.payload['playbookId'] ?? '');
  const stepId = String(delivery.payload['stepId'] ?? '');
  const definition = definitions.find((candidate) => candidate.id === playbookId && candidate.version === context.playbookVersion);
  const templates = templatesOf(definition, context.variantId, stepId, delivery.target);
  if (templates === null) return { refused: `no template for email step ${stepId}: "${delivery.target}" is no built-in email template and the step has no subject and text` };
  const ownerCsm = ownerCsmOf(delivery);
  const to = emailRecipient(ownerCsm, csmAddress, settings.fallbackTo);
  if (to === null) {
    const owner = ownerCsm === null ? `account ${context.accountId} has no owner CSM` : `owner CSM ${ownerCsm} of account ${context.accountId} has no address in the directory`;
    return { refused: `no recipient for email step ${stepId}: ${owner}, and EMAIL_FALLBACK_TO is not set` };
  }
  const rendered = renderEmail(
    templates,
    emailContext({
      deliveryId: delivery.id,
      accountId: context.accountId,
      playbook: { id: playbookId, version: context.playbookVersion, name: definition?.name ?? playbookId },
      runId: delivery.runId,
      variantId: context.variantId,
      stepId,
      trigger: context.trigger,
      snapshot: context.snapshot,
      profile: context.profile,
    }),
  );
  return {
    message: {
      from: settings.from,
      to,
      ...rendered,
      messageId: deliveryMessageId(delivery.id, settings.from),
      // RFC 3834: a machine wrote it, so auto-responders stay quiet.
      headers: { 'X-Bellwether-Delivery-Id': delivery.id, 'X-Bellwether-Run-Id': delivery.runId, 'Auto-Submitted': 'auto-generated' },
    },
  };
}

/** The email step `stepId` of the definition's variant (or main steps), else a built-in template by name. */
function templatesOf(definition: PlaybookDefinition | undefined, variantId: string, stepId: string, templateName: string): EmailTemplates | null {
  const steps = definition?.variants?.find((variant) => variant.id === variantId)?.steps ?? definition?.steps ?? [];
  const step = steps.find((candidate): candidate is EmailStep => candidate.kind === 'email' && candidate.id === stepId);
  return emailTemplatesFor(step ?? { kind: 'email', id: stepId, template: templateName, to: 'account_contact' });
}
