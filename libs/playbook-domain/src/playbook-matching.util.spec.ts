import { builtInPlaybooks } from './built-in-playbooks';
import { type PlaybookDefinition } from './playbook.types';
import { latestVersions, playbooksFor } from './playbook-matching.util';

const ids = (definitions: readonly PlaybookDefinition[]): string[] => definitions.map((d) => `${d.id}@${d.version}`);

describe('playbooksFor', () => {
  it('matches alert rules listed in a trigger', () => {
    expect(ids(playbooksFor({ kind: 'alert_rule', ruleId: 'segment_at_risk' }, builtInPlaybooks))).toEqual(['value-rediscovery@1']);
    expect(ids(playbooksFor({ kind: 'alert_rule', ruleId: 'health_entered_red' }, builtInPlaybooks))).toEqual(['value-rediscovery@1']);
    expect(ids(playbooksFor({ kind: 'alert_rule', ruleId: 'nps_detractor' }, builtInPlaybooks))).toEqual(['detractor-closed-loop@1']);
    expect(ids(playbooksFor({ kind: 'alert_rule', ruleId: 'payment_failed' }, builtInPlaybooks))).toEqual(['payment-recovery@1']);
    expect(playbooksFor({ kind: 'alert_rule', ruleId: 'unknown_rule' }, builtInPlaybooks)).toEqual([]);
  });

  it('matches incidents by category at or above the trigger’s minSeverity, and never an alert or segment trigger', () => {
    const incident = (id: string, minSeverity?: 'high'): PlaybookDefinition => ({
      ...(builtInPlaybooks[0] as PlaybookDefinition),
      id,
      trigger: { kind: 'incident', category: 'risk', ...(minSeverity ? { minSeverity } : {}) },
    });
    const definitions = [incident('any-risk'), incident('serious-risk', 'high'), ...builtInPlaybooks];
    expect(ids(playbooksFor({ kind: 'incident', category: 'risk', severity: 'medium' }, definitions))).toEqual(['any-risk@1']);
    expect(ids(playbooksFor({ kind: 'incident', category: 'risk', severity: 'critical' }, definitions))).toEqual(['any-risk@1', 'serious-risk@1']);
    expect(playbooksFor({ kind: 'incident', category: 'expansion', severity: 'critical' }, definitions)).toEqual([]);
    expect(ids(playbooksFor({ kind: 'alert_rule', ruleId: 'health_entered_red' }, definitions))).toEqual(['value-rediscovery@1']);
  });

  it('matches segments entered and lifecycle stages', () => {
    expect(ids(playbooksFor({ kind: 'segment_entered', segment: 'loyal' }, builtInPlaybooks))).toEqual(['ambassador@1']);
    expect(ids(playbooksFor({ kind: 'segment_entered', segment: 'stable' }, builtInPlaybooks))).toEqual(['adoption-expansion@1']);
    expect(ids(playbooksFor({ kind: 'lifecycle_stage', stage: 'renewal' }, builtInPlaybooks))).toEqual(['renewal-preparation@1']);
    expect(playbooksFor({ kind: 'lifecycle_stage', stage: 'growth' }, builtInPlaybooks)).toEqual([]);
  });

  it('does not confuse trigger kinds', () => {
    const bySegment: PlaybookDefinition = { ...builtInPlaybooks[0]!, id: 'by-segment', trigger: { kind: 'segment_entered', segment: 'at_risk' } };
    expect(ids(playbooksFor({ kind: 'segment_entered', segment: 'at_risk' }, [...builtInPlaybooks, bySegment]))).toEqual(['by-segment@1']);
  });

  it('considers only the latest version of each playbook', () => {
    const v1: PlaybookDefinition = { id: 'p', version: 1, name: 'P', trigger: { kind: 'alert_rule', ruleIds: ['a'] }, steps: [{ kind: 'end', id: 'e' }], exitCriteria: [] };
    const v2: PlaybookDefinition = { ...v1, version: 2, trigger: { kind: 'alert_rule', ruleIds: ['b'] } };
    expect(ids(playbooksFor({ kind: 'alert_rule', ruleId: 'b' }, [v2, v1]))).toEqual(['p@2']);
    expect(playbooksFor({ kind: 'alert_rule', ruleId: 'a' }, [v1, v2])).toEqual([]);
    expect(ids(latestVersions([v1, builtInPlaybooks[0]!, v2]))).toEqual(['p@2', 'value-rediscovery@1']);
  });
});
