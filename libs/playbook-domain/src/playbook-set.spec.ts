import { builtInPlaybooks } from './built-in-playbooks';
import { definitionOfRun, playbookTimelineOf, validatePlaybookSet, type PlaybookSet } from './playbook-set';
import type { PlaybookDefinition } from './playbook.types';

const playbook = (id: string, version: number, title = 'Call the sponsor'): PlaybookDefinition => ({
  id,
  version,
  name: id,
  trigger: { kind: 'segment_entered', segment: 'at_risk' },
  steps: [{ kind: 'task', id: 'call', role: 'csm', title, dueInHours: 24 }],
  exitCriteria: ['recovered'],
});

describe('validatePlaybookSet', () => {
  it('accepts { version, playbooks } and returns a clean copy', () => {
    const result = validatePlaybookSet({ version: 'cs-2026.3', playbooks: [playbook('rescue', 1)] });
    expect(result).toEqual({ ok: true, set: { version: 'cs-2026.3', playbooks: [playbook('rescue', 1)] } });
    expect(validatePlaybookSet({ version: 'all', playbooks: builtInPlaybooks }, { requireEmailTemplates: true }).ok).toBe(true);
  });

  it('names every bad field by its path in the set', () => {
    const bad = { ...playbook('rescue', 1), steps: [{ kind: 'task', id: 'call', role: 'csm', title: 'Call', dueInHours: -1 }] };
    const result = validatePlaybookSet({ version: 'has a space', playbooks: [playbook('ok', 1), bad, 'nope', playbook('ok', 2)], colour: 'red' });
    expect(result.ok ? [] : result.errors.map((error) => error.path)).toEqual(['colour', 'version', 'playbooks.1.steps.0.dueInHours', 'playbooks.2', 'playbooks.3.id']);
  });

  it('refuses a body that is no object, a missing or empty list, and a missing version', () => {
    expect(validatePlaybookSet([]).ok).toBe(false);
    const missing = validatePlaybookSet({});
    expect(missing.ok ? [] : missing.errors).toEqual([
      { path: 'version', message: 'is required' },
      { path: 'playbooks', message: 'is required' },
    ]);
    const empty = validatePlaybookSet({ version: 'v', playbooks: [] });
    expect(empty.ok ? [] : empty.errors).toEqual([{ path: 'playbooks', message: 'must not be empty' }]);
  });

  it('names a bad email template and, with SMTP, an email step with nothing to render', () => {
    const email = (fields: Record<string, unknown>) => ({ ...playbook('mail', 1), steps: [{ kind: 'email', id: 'notice', template: 'crm/x', to: 'account_contact', ...fields }] });
    const badTemplate = validatePlaybookSet({ version: 'v', playbooks: [email({ subject: 'Hi {{account.id}}', text: '{{account.helth}}' })] });
    expect(badTemplate.ok ? [] : badTemplate.errors).toEqual([{ path: 'playbooks.0.steps.0.text', message: 'template of email step "notice": unknown name "account.helth"' }]);
    const nothing = validatePlaybookSet({ version: 'v', playbooks: [email({})] }, { requireEmailTemplates: true });
    expect(nothing.ok ? [] : nothing.errors.map((error) => error.path)).toEqual(['playbooks.0.steps.0']);
    expect(validatePlaybookSet({ version: 'v', playbooks: [email({})] }).ok).toBe(true);
  });
});

describe('the playbook timeline and a run’s definition', () => {
  const file: PlaybookSet = { version: 'file-1', playbooks: [playbook('rescue', 1)] };
  const next: PlaybookSet = { version: 'cs-2', playbooks: [playbook('rescue', 2, 'Escalate to the sponsor')] };

  it('starts a trigger with the set in force at its event time', () => {
    const timeline = playbookTimelineOf(file).with({ version: 'cs-2', config: next, effectiveFrom: '2026-03-02T00:00:00.000Z', activatedAt: '2026-03-02T09:00:00.000Z' });
    expect(timeline?.at('2026-03-01T12:00:00.000Z').config.version).toBe('file-1');
    expect(timeline?.at('2026-03-02T00:00:00.000Z').config.playbooks[0]?.version).toBe(2);
  });

  it('advances a run on the set that started it, else on any known set holding its (id, version)', () => {
    const sets = [next, file];
    expect(definitionOfRun(sets, { playbookId: 'rescue', playbookVersion: 1, playbooksVersion: 'file-1' })).toBe(file.playbooks[0]);
    expect(definitionOfRun(sets, { playbookId: 'rescue', playbookVersion: 1 })).toBe(file.playbooks[0]);
    expect(definitionOfRun(sets, { playbookId: 'rescue', playbookVersion: 1, playbooksVersion: 'compacted-away' })).toBe(file.playbooks[0]);
    expect(definitionOfRun(sets, { playbookId: 'rescue', playbookVersion: 3 })).toBeUndefined();
  });
});
