import { ruleConfig, scoreChange, signalChange } from '../score-change.fixture';
import { supportEscalationRule } from './support-escalation.rule';

const config = ruleConfig({ id: 'support_escalation', severity: 'high', autoResolve: false, params: { withinDays: 7 } });
const evaluate = (lastEscalationAt: string | null, escalations30 = 1) =>
  supportEscalationRule.evaluate({ change: signalChange({ support: { lastEscalationAt, escalations30 } }), history: [] }, config);

describe('support_escalation', () => {
  it('fires on a complaint or escalation today', () => {
    expect(evaluate('2026-03-02', 2)).toEqual({
      state: 'firing',
      evidence: ['complaint/escalation ticket on 2026-03-02 (2 in the 30 days 2026-02-01 – 2026-03-02)'],
    });
  });

  it('fires on one 6 days back (the 7-day window includes today), not 7', () => {
    expect(evaluate('2026-02-24')?.state).toBe('firing');
    expect(evaluate('2026-02-23')).toEqual({ state: 'clear', evidence: ['no complaint or escalation in the 7 days 2026-02-24 – 2026-03-02'] });
  });

  it('clears without escalations', () => {
    expect(evaluate(null, 0)?.state).toBe('clear');
  });

  it('has no opinion without signals', () => {
    expect(supportEscalationRule.evaluate({ change: scoreChange(), history: [] }, config)).toBeNull();
  });
});
