import { deliveryMessageId } from '@bellwether/platform';
import { builtInPlaybooks, type PlaybookDefinition } from '@bellwether/playbook-domain';
import type { PlaybookDelivery } from './delivery.repository';
import { emailRecipient, ownerCsmOf, planEmail } from './email-delivery';

const ownPlaybook: PlaybookDefinition = {
  id: 'risk-review',
  version: 3,
  name: 'Risk review',
  trigger: { kind: 'incident', category: 'risk' },
  steps: [{ kind: 'email', id: 'notice', template: 'crm/notice', to: 'account_contact', subject: '{{account.id}} is {{account.band}}', text: 'Churn risk {{account.churnRiskPercent}}%' }],
  exitCriteria: [],
  variants: [
    { id: 'control', weight: 1 },
    { id: 'short', weight: 1, steps: [{ kind: 'email', id: 'notice', template: 'crm/notice', to: 'account_contact', subject: 'Short: {{account.id}}', text: '-' }] },
  ],
};

function delivery(overrides: Partial<PlaybookDelivery> = {}, context: Partial<PlaybookDelivery['context']> = {}): PlaybookDelivery {
  return {
    id: 'run_1:notice',
    runId: 'run_1',
    kind: 'email',
    target: 'crm/notice',
    payload: { runId: 'run_1', accountId: 'acme', playbookId: 'risk-review', stepId: 'notice', template: 'crm/notice', to: 'account_contact' },
    attempts: 0,
    claimedUntil: new Date(0),
    context: {
      accountId: 'acme',
      playbookVersion: 3,
      variantId: 'control',
      queue: 'csm:ana',
      trigger: { kind: 'incident', category: 'risk', severity: 'high' },
      snapshot: { band: 'red', segment: 'at_risk', health: 28 },
      profile: { churnRisk: 0.41, stage: 'adoption', reasons: ['usage down'], csmId: 'bea' },
      ...context,
    },
    ...overrides,
  };
}

const settings = { from: 'Bellwether <cs@acme.example>', fallbackTo: 'cs-team@acme.example' };
const noAddresses = (): string | null => null;

describe('planEmail', () => {
  it("renders the step of the run's playbook version, to the fallback, with the delivery's Message-ID and headers", () => {
    expect(planEmail(delivery(), [ownPlaybook], settings, noAddresses)).toEqual({
      message: {
        from: 'Bellwether <cs@acme.example>',
        to: 'cs-team@acme.example',
        subject: 'acme is red',
        text: 'Churn risk 41%',
        messageId: deliveryMessageId('run_1:notice', 'cs@acme.example'),
        headers: { 'X-Bellwether-Delivery-Id': 'run_1:notice', 'X-Bellwether-Run-Id': 'run_1', 'Auto-Submitted': 'auto-generated' },
      },
    });
  });

  it("takes the run's variant's own steps", () => {
    const plan = planEmail(delivery({}, { variantId: 'short' }), [ownPlaybook], settings, noAddresses);
    expect('message' in plan && plan.message.subject).toBe('Short: acme');
  });

  it('sends to the owner CSM when the directory has an address for them', () => {
    const plan = planEmail(delivery(), [ownPlaybook], settings, (csmId) => (csmId === 'bea' ? 'bea@acme.example' : null));
    expect('message' in plan && plan.message.to).toBe('bea@acme.example');
  });

  it('falls back to the built-in template the row names when the definition is gone', () => {
    const plan = planEmail(delivery({ target: 'payment-recovery/payment-failed' }), builtInPlaybooks, settings, noAddresses);
    expect('message' in plan && plan.message.subject).toBe('[acme] A payment failed: contact the account');
  });

  it('refuses, saying why, when there is no template or no recipient', () => {
    expect(planEmail(delivery(), [], settings, noAddresses)).toEqual({
      refused: 'no template for email step notice: "crm/notice" is no built-in email template and the step has no subject and text',
    });
    expect(planEmail(delivery(), [ownPlaybook], { from: settings.from }, noAddresses)).toEqual({
      refused: 'no recipient for email step notice: owner CSM bea of account acme has no address in the directory, and EMAIL_FALLBACK_TO is not set',
    });
    expect(planEmail(delivery({}, { queue: 'team:unassigned', profile: null }), [ownPlaybook], { from: settings.from }, noAddresses)).toEqual({
      refused: 'no recipient for email step notice: account acme has no owner CSM, and EMAIL_FALLBACK_TO is not set',
    });
  });
});

describe('ownerCsmOf / emailRecipient', () => {
  it("takes the owner from the newest score change, else from the run's queue", () => {
    expect(ownerCsmOf(delivery())).toBe('bea');
    expect(ownerCsmOf(delivery({}, { profile: null }))).toBe('ana');
    expect(ownerCsmOf(delivery({}, { profile: null, queue: 'team:emea' }))).toBeNull();
  });

  it("prefers the owner's address, then the fallback, else nobody", () => {
    expect(emailRecipient('ana', () => 'ana@acme.example', 'team@acme.example')).toBe('ana@acme.example');
    expect(emailRecipient('ana', () => null, 'team@acme.example')).toBe('team@acme.example');
    expect(emailRecipient(null, () => 'x@acme.example', undefined)).toBeNull();
  });
});
