import { builtInPlaybooks } from './built-in-playbooks';
import { builtInEmailTemplates, emailContext, type EmailContextInput, emailTemplateProblems, emailTemplatesFor, renderEmail } from './email-template';
import type { EmailStep } from './playbook.types';
import { formatValidationError, validatePlaybook } from './playbook.validator';

const input: EmailContextInput = {
  deliveryId: 'run_1:notice',
  accountId: 'acme & <sons>',
  playbook: { id: 'payment-recovery', version: 1, name: 'Payment recovery' },
  runId: 'run_1',
  variantId: 'control',
  stepId: 'notice',
  trigger: { kind: 'alert_rule', ruleId: 'payment_failed' },
  snapshot: { band: 'red', segment: 'at_risk', health: 31.6 },
  profile: { churnRisk: 0.734, stage: 'renewal', reasons: ['payment failed', 'usage down 40% <week>', 'a', 'b', 'c', 'd'], csmId: 'ana', mrr: 1200, plan: 'pro' },
};

describe('emailContext', () => {
  it('rounds health, gives churn risk as a percentage, caps the reasons at 5, and summarises the trigger', () => {
    const context = emailContext(input);
    expect(context.account).toEqual({
      id: 'acme & <sons>',
      scored: true,
      health: 32,
      band: 'red',
      segment: 'at_risk',
      stage: 'renewal',
      churnRiskPercent: 73,
      churned: false,
      reasons: ['payment failed', 'usage down 40% <week>', 'a', 'b', 'c'],
      csmId: 'ana',
      mrr: 1200,
      plan: 'pro',
    });
    expect(context.trigger).toEqual({ kind: 'alert_rule', summary: 'alert rule payment_failed', rule: 'payment_failed' });
    expect(emailContext({ ...input, trigger: { kind: 'incident', category: 'risk', severity: 'critical' } }).trigger.summary).toBe('risk incident (critical)');
  });

  it('leaves out what the data does not hold: no scores before the first change, no profile fields without a profile', () => {
    const context = emailContext({ ...input, snapshot: null, profile: null });
    expect(context.account).toEqual({ id: 'acme & <sons>', scored: false, churned: false, reasons: [] });
  });
});

describe('renderEmail', () => {
  const context = emailContext(input);

  it('renders subject and text verbatim (no HTML escaping in a plain-text mail), the subject on one line', () => {
    const rendered = renderEmail({ subject: '{{account.id}}:\n  health {{account.health}}', text: 'Dear {{account.csmId}},\n{{#account.reasons}}- {{.}}\n{{/account.reasons}}' }, context);
    expect(rendered).toEqual({ subject: 'acme & <sons>: health 32', text: 'Dear ana,\n- payment failed\n- usage down 40% <week>\n- a\n- b\n- c\n' });
  });

  it('HTML-escapes values in the HTML body by default; a triple mustache inserts raw', () => {
    const rendered = renderEmail({ subject: 's', text: 't', html: '<p>{{account.id}}</p><ul>{{#account.reasons}}<li>{{.}}</li>{{/account.reasons}}</ul>{{{account.plan}}}' }, context);
    expect(rendered.html).toBe('<p>acme &amp; &lt;sons&gt;</p><ul><li>payment failed</li><li>usage down 40% &lt;week&gt;</li><li>a</li><li>b</li><li>c</li></ul>pro');
  });

  it('renders a name the context lacks as empty, and a section over it as nothing', () => {
    const bare = emailContext({ ...input, snapshot: null, profile: null });
    expect(renderEmail({ subject: '[{{account.health}}]', text: '{{#account.stage}}stage {{account.stage}}{{/account.stage}}{{^account.scored}}not scored{{/account.scored}}' }, bare)).toEqual({
      subject: '[]',
      text: 'not scored',
    });
  });

  it('renders every built-in template with the account fields and the reasons', () => {
    for (const [name, templates] of Object.entries(builtInEmailTemplates)) {
      const rendered = renderEmail(templates, context);
      expect({ name, subject: rendered.subject }).toEqual({ name, subject: expect.stringMatching(/^\[acme & <sons>\] /) });
      expect(rendered.text).toContain('Health: 32 (red), segment at_risk');
      expect(rendered.text).toContain('Churn risk: 73%, lifecycle stage renewal');
      expect(rendered.text).toContain('Why:\n- payment failed\n- usage down 40% <week>\n');
      expect(rendered.text).toContain('Started by: alert rule payment_failed (playbook Payment recovery, run run_1)');
    }
  });
});

describe('emailTemplateProblems', () => {
  it('accepts every name of the context, sections over lists, objects and values, comments and inverted sections', () => {
    expect(emailTemplateProblems('{{account.id}} {{playbook.name}} {{trigger.summary}} {{delivery.id}} {{! note }}')).toEqual([]);
    expect(emailTemplateProblems('{{#account.reasons}}{{.}}{{/account.reasons}}{{#account.reasons.0}}x{{/account.reasons.0}}')).toEqual([]);
    expect(emailTemplateProblems('{{#account}}{{id}} {{health}}{{/account}}{{^account.scored}}-{{/account.scored}}{{#run}}{{playbook.id}}{{/run}}')).toEqual([]);
  });

  it('names unknown names, also inside sections', () => {
    expect(emailTemplateProblems('{{acount.id}}')).toEqual(['unknown name "acount.id"']);
    expect(emailTemplateProblems('{{#account.reasons}}{{text}}{{/account.reasons}}')).toEqual(['unknown name "text"']);
    expect(emailTemplateProblems('{{account.name}}')).toEqual(['unknown name "account.name"']);
  });

  it('reports syntax errors and partials', () => {
    expect(emailTemplateProblems('{{#account.reasons}}open')[0]).toMatch(/Unclosed section "account.reasons"/);
    expect(emailTemplateProblems('{{/account.reasons}}')[0]).toMatch(/Unopened section "account.reasons"/);
    expect(emailTemplateProblems('{{account.id')[0]).toMatch(/Unclosed tag/);
    expect(emailTemplateProblems('{{> footer}}')).toEqual(['partials are not supported ({{> footer}})']);
  });

  it('finds nothing wrong with the built-in templates', () => {
    for (const templates of Object.values(builtInEmailTemplates)) {
      for (const source of [templates.subject, templates.text]) expect(emailTemplateProblems(source)).toEqual([]);
    }
  });
});

describe('emailTemplatesFor', () => {
  const step: EmailStep = { kind: 'email', id: 'notice', template: 'payment-recovery/payment-failed', to: 'account_contact' };

  it("takes the step's own templates over the named built-in one, else the built-in one, else none", () => {
    expect(emailTemplatesFor({ ...step, subject: 's', text: 't', html: 'h' })).toEqual({ subject: 's', text: 't', html: 'h' });
    expect(emailTemplatesFor(step)).toBe(builtInEmailTemplates['payment-recovery/payment-failed']);
    expect(emailTemplatesFor({ ...step, template: 'crm/own-template' })).toBeNull();
    expect(emailTemplatesFor({ ...step, template: 'constructor' })).toBeNull();
  });

  it('has a template for every email step of the built-in playbooks', () => {
    const emailSteps = builtInPlaybooks.flatMap((playbook) => playbook.steps.filter((candidate): candidate is EmailStep => candidate.kind === 'email'));
    expect(emailSteps.length).toBeGreaterThan(0);
    for (const emailStep of emailSteps) expect({ step: emailStep.id, templates: emailTemplatesFor(emailStep) }).toEqual({ step: emailStep.id, templates: expect.anything() });
  });
});

describe('validatePlaybook: email templates', () => {
  const playbook = (email: Record<string, unknown>) => ({
    id: 'pb',
    version: 1,
    name: 'PB',
    trigger: { kind: 'alert_rule', ruleIds: ['r'] },
    steps: [{ kind: 'task', id: 'call', role: 'csm', title: 'Call', dueInHours: 1 }, { kind: 'email', id: 'notice', template: 'own', to: 'account_contact', ...email }],
    exitCriteria: [],
  });
  const errors = (email: Record<string, unknown>) => {
    const result = validatePlaybook(playbook(email));
    return result.ok ? [] : result.errors.map(formatValidationError);
  };

  it("keeps a step's own subject, text and html", () => {
    const result = validatePlaybook(playbook({ subject: 'Hi {{account.id}}', text: 'Health {{account.health}}', html: '<b>{{account.band}}</b>' }));
    expect(result.ok && result.playbook.steps[1]).toEqual({ kind: 'email', id: 'notice', template: 'own', to: 'account_contact', subject: 'Hi {{account.id}}', text: 'Health {{account.health}}', html: '<b>{{account.band}}</b>' });
  });

  it('refuses a bad template, naming the field and the step', () => {
    expect(errors({ subject: 'Hi {{#account.id}}', text: 't' })).toEqual([expect.stringMatching(/^steps\.1\.subject: template of email step "notice": Unclosed section "account.id"/)]);
    expect(errors({ subject: 's', text: '{{acount.health}}' })).toEqual(['steps.1.text: template of email step "notice": unknown name "acount.health"']);
    expect(errors({ subject: 's', text: 't', html: '{{> footer}}' })).toEqual(['steps.1.html: template of email step "notice": partials are not supported ({{> footer}})']);
  });

  it('wants subject and text together, as non-empty strings', () => {
    expect(errors({ subject: 's' })).toEqual(['steps.1.text: is required']);
    expect(errors({ html: '<p>x</p>' })).toEqual(['steps.1.subject: is required', 'steps.1.text: is required']);
    expect(errors({ subject: '', text: 7 })).toEqual(['steps.1.subject: must be a non-empty string', 'steps.1.text: must be a non-empty string']);
  });
});
