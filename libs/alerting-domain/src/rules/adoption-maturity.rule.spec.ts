import { adoptionMaturityRule } from './adoption-maturity.rule';
import { accountSignals, ruleConfig, scoreChange, snapshot } from '../score-change.fixture';

const config = ruleConfig({ id: 'adoption_maturity', category: 'expansion', severity: 'medium', params: { breadth: 0.8 } });
const driver = (score: number) => ({ measure: 'feature_adoption', score, weight: 20, contribution: score / 5 });

describe('adoption_maturity', () => {
  it('fires at 80% breadth with green health, saying why now', () => {
    const change = scoreChange({ after: snapshot({ health: 78, band: 'green' }), drivers: [driver(80)] });
    const verdict = adoptionMaturityRule.evaluate({ change, history: [] }, config);
    expect(verdict?.state).toBe('firing');
    expect(verdict?.evidence[0]).toBe('key-feature breadth 80% (target 80%) with green health 78 on 2026-03-02');
    expect(verdict?.evidence[1]).toMatch(/^why now:/);
  });

  it('clears below the target breadth', () => {
    const change = scoreChange({ after: snapshot({ band: 'green' }), drivers: [driver(79)] });
    expect(adoptionMaturityRule.evaluate({ change, history: [] }, config)?.state).toBe('clear');
  });

  it('clears when health is not green', () => {
    const change = scoreChange({ after: snapshot({ health: 60, band: 'yellow' }), drivers: [driver(100)] });
    expect(adoptionMaturityRule.evaluate({ change, history: [] }, config)?.state).toBe('clear');
  });

  it('has no opinion without the breadth driver', () => {
    expect(adoptionMaturityRule.evaluate({ change: scoreChange({ drivers: [] }), history: [] }, config)).toBeNull();
  });

  it('says why now with the feature counts when the change carries signals', () => {
    const signals = accountSignals({ features: { keyUsed30: 4, keyConfigured: 5 } });
    const change = scoreChange({ after: snapshot({ health: 78, band: 'green' }), drivers: [driver(80)], signals });
    expect(adoptionMaturityRule.evaluate({ change, history: [] }, config)?.evidence[1]).toBe(
      'why now: broad, healthy adoption (4 of 5 key features in the 30 days 2026-02-01 – 2026-03-02) — time to propose a complementary product',
    );
  });
});

