import type { HealthBand } from '@bellwether/contracts';
import { renewalExpansionRule } from './renewal-expansion.rule';
import { ruleConfig, scoreChange, signalChange } from '../score-change.fixture';

const config = ruleConfig({ id: 'renewal_expansion', category: 'expansion', severity: 'medium', autoResolve: false, params: { fromDays: 60, toDays: 90 } });
const evaluate = (renewalInDays: number | null, band: HealthBand = 'green') =>
  renewalExpansionRule.evaluate(
    { change: signalChange({ contract: { renewalInDays, renewalDate: renewalInDays === null ? null : '2026-05-20' } }, { band, health: band === 'green' ? 82 : 55 }), history: [] },
    config,
  );

describe('renewal_expansion', () => {
  it('fires 60 and 90 days before renewal with green health, saying why now', () => {
    expect(evaluate(79)).toEqual({
      state: 'firing',
      evidence: [
        'why now: renewal on 2026-05-20, in 79 days (window 60–90), with green health 82',
        'a healthy account near renewal — open the expansion conversation before the renewal proposal',
      ],
    });
    expect(evaluate(60)?.state).toBe('firing');
    expect(evaluate(90)?.state).toBe('firing');
  });

  it('clears at 59 and 91 days, and when health is not green', () => {
    expect(evaluate(59)?.state).toBe('clear');
    expect(evaluate(91)?.state).toBe('clear');
    expect(evaluate(75, 'yellow')?.state).toBe('clear');
  });

  it('has no opinion without a renewal date or without signals', () => {
    expect(evaluate(null)).toBeNull();
    expect(renewalExpansionRule.evaluate({ change: scoreChange(), history: [] }, config)).toBeNull();
  });
});
