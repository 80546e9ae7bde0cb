import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@bellwether/platform';
import { builtInPlaybooks } from '@bellwether/playbook-domain';
import { loadPlaybookDefinitions } from './playbook-definitions';

describe('loadPlaybookDefinitions: email templates', () => {
  let dir = '';
  const playbook = (email: Record<string, unknown>, variants?: unknown) => ({
    id: 'renewal-notice',
    version: 2,
    name: 'Renewal notice',
    trigger: { kind: 'lifecycle_stage', stage: 'renewal' },
    steps: [{ kind: 'email', id: 'notice', template: 'crm/renewal', to: 'account_contact', ...email }],
    exitCriteria: [],
    ...(variants === undefined ? {} : { variants }),
  });
  const load = (definition: unknown, requireEmailTemplates: boolean) => {
    writeFileSync(join(dir, 'renewal.json'), JSON.stringify(definition));
    return loadPlaybookDefinitions(dir, { requireEmailTemplates });
  };
  const problems = (run: () => unknown): readonly string[] => {
    try {
      run();
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'playbooks-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops the start on a bad template, naming the file, the field and the step', () => {
    expect(problems(() => load(playbook({ subject: 'Renewal of {{account.id}}', text: 'Health {{account.helth}}' }), false))).toEqual([
      'renewal.json: steps.0.text: template of email step "notice": unknown name "account.helth"',
    ]);
  });

  it('with SMTP, stops the start on an email step with nothing to render, naming the file, playbook and step', () => {
    expect(problems(() => load(playbook({}), true))).toEqual([
      'renewal.json: steps.0: email step "notice" of playbook renewal-notice v2 has no template to send by SMTP: "crm/renewal" is no built-in email template; give the step a subject and a text',
    ]);
    const inVariant = playbook({ subject: 's', text: 't' }, [{ id: 'b', weight: 1, steps: [{ kind: 'email', id: 'other', template: 'crm/x', to: 'account_contact' }] }]);
    expect(problems(() => load(inVariant, true))).toEqual([expect.stringMatching(/^renewal\.json: variants\.0\.steps\.0: email step "other" of playbook renewal-notice v2/)]);
  });

  it('without SMTP, keeps a template name the webhook adapter renders', () => {
    expect(load(playbook({}), false).map((definition) => definition.id)).toEqual(['renewal-notice']);
  });

  it("takes a step's own templates or a built-in template name with SMTP", () => {
    expect(load(playbook({ subject: 'Renewal of {{account.id}}', text: 'Health {{account.health}}' }), true)).toHaveLength(1);
    expect(load(playbook({ template: 'payment-recovery/payment-failed' }), true)).toHaveLength(1);
  });

  it('loads the built-in playbooks with SMTP: each of their emails has a built-in template', () => {
    expect(loadPlaybookDefinitions(undefined, { requireEmailTemplates: true })).toEqual(builtInPlaybooks);
  });
});
