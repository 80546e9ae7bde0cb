import type { HealthBand } from '@bellwether/contracts';
import { renewalAtRiskRule } from './renewal-at-risk.rule';
import { ruleConfig, scoreChange, signalChange } from '../score-change.fixture';

const config = ruleConfig({ id: 'renewal_at_risk', severity: 'high', params: { withinDays: 90 } });
const evaluate = (renewalInDays: number | null, band: HealthBand, health = band === 'green' ? 75 : band === 'yellow' ? 55 : 30) =>
  renewalAtRiskRule.evaluate(
    { change: signalChange({ contract: { renewalInDays, renewalDate: renewalInDays === null ? null : '2026-05-31' } }, { band, health }), history: [] },
    config,
  );

describe('renewal_at_risk', () => {
  it('fires 90 days before renewal with yellow health', () => {
    expect(evaluate(90, 'yellow')).toEqual({ state: 'firing', evidence: ['renewal on 2026-05-31, in 90 days, with yellow health 55'] });
  });

  it('clears 91 days before, with green health, or once the date passed', () => {
    expect(evaluate(91, 'red')?.state).toBe('clear');
    expect(evaluate(10, 'green')?.state).toBe('clear');
    expect(evaluate(-1, 'red')?.state).toBe('clear');
    expect(evaluate(0, 'red')?.state).toBe('firing');
  });

  it('has no opinion without a renewal date or without signals', () => {
    expect(evaluate(null, 'red')).toBeNull();
    expect(renewalAtRiskRule.evaluate({ change: scoreChange(), history: [] }, config)).toBeNull();
  });
});
