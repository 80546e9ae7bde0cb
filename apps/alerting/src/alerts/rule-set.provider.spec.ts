import { join, resolve } from 'node:path';
import { defaultRuleSet, findRule } from '@bellwether/alerting-domain';
import { configFileFolder, configProblems } from '@bellwether/testing';
import { loadRuleSet } from './rule-set.provider';

/** The example shipped with the repository: the built-in rule set as a RULES_FILE. */
const exampleFile = resolve(__dirname, '../../../../config/rule-sets/default.json');

const folder = configFileFolder('bw-rules-file-');
const { dir } = folder;
const fileWith = (name: string, content: unknown): string => folder.write(name, content);
const problemsOf = (file: string): readonly string[] => configProblems(() => loadRuleSet(file));

describe('loadRuleSet (RULES_FILE)', () => {
  it('runs the built-in rule set when no file is named', () => {
    expect(loadRuleSet(undefined)).toBe(defaultRuleSet);
    expect(loadRuleSet('')).toBe(defaultRuleSet);
  });

  it('ships config/rule-sets/default.json equal to the built-in rule set, so the example never drifts from the code', () => {
    expect(loadRuleSet(exampleFile)).toEqual(defaultRuleSet);
  });

  it('loads a versioned file with a raised threshold in place of the default', () => {
    const stricter = {
      ...defaultRuleSet,
      version: 'acme-strict-1',
      rules: defaultRuleSet.rules.map((rule) => (rule.id === 'health_dropped' ? { ...rule, params: { dropPoints: 50, withinDays: 14 } } : rule)),
    };
    const loaded = loadRuleSet(fileWith('stricter.json', stricter));
    expect(loaded.version).toBe('acme-strict-1');
    expect(findRule(loaded, 'health_dropped')?.params).toEqual({ dropPoints: 50, withinDays: 14 });
  });

  it('stops the start naming the file when it is missing or not JSON', () => {
    const missing = join(dir, 'missing.json');
    expect(problemsOf(missing)).toEqual([expect.stringMatching(new RegExp(`^RULES_FILE: cannot read ${missing} as JSON \\(.*ENOENT`))]);
    const broken = fileWith('broken.json', '{"version": "x", "rules": [');
    expect(problemsOf(broken)).toEqual([expect.stringMatching(new RegExp(`^RULES_FILE: cannot read ${broken} as JSON \\(`))]);
  });

  it('stops the start naming the file and every bad field', () => {
    const bad = {
      version: 'acme-bad-1',
      rules: [
        { ...defaultRuleSet.rules[0], severity: 'urgent' },
        { ...defaultRuleSet.rules[1], params: { dropPoints: 15 } },
        { ...defaultRuleSet.rules[2], id: 'churn_risk_hihg' },
        defaultRuleSet.rules[1],
      ],
    };
    const file = fileWith('bad.json', bad);
    expect(problemsOf(file)).toEqual([
      `RULES_FILE ${file}: rules.0.severity: must be one of critical, high, medium, low (rule health_entered_red)`,
      `RULES_FILE ${file}: rules.1.params.withinDays: is required by health_dropped (rule health_dropped)`,
      expect.stringMatching(new RegExp(`^RULES_FILE ${file}: rules\\.2\\.id: unknown rule churn_risk_hihg \\(known: health_entered_red, `)),
      `RULES_FILE ${file}: rules.3.id: duplicate rule health_dropped (also rules.1)`,
    ]);
  });
});
