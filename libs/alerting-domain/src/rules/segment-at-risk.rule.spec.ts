import { segmentAtRiskRule } from './segment-at-risk.rule';
import { ruleConfig, scoreChange, snapshot } from '../score-change.fixture';

const config = ruleConfig({ id: 'segment_at_risk', severity: 'high' });

describe('segment_at_risk', () => {
  it('fires when the account enters at_risk', () => {
    const change = scoreChange({ before: snapshot({ segment: 'stable' }), after: snapshot({ segment: 'at_risk', health: 45, band: 'yellow' }) });
    const verdict = segmentAtRiskRule.evaluate({ change, history: [] }, config);
    expect(verdict?.state).toBe('firing');
    expect(verdict?.evidence.slice(0, 2)).toEqual(['segment stable → at_risk on 2026-03-02', 'health 72 → 45 (yellow) on 2026-03-02']);
  });

  it('clears when it leaves at_risk', () => {
    const change = scoreChange({ before: snapshot({ segment: 'at_risk' }), after: snapshot({ segment: 'stable' }) });
    expect(segmentAtRiskRule.evaluate({ change, history: [] }, config)).toEqual({ state: 'clear', evidence: ['segment at_risk → stable on 2026-03-02'] });
  });
});
