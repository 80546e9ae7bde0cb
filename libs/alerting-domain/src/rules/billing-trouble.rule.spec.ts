import type { AccountSignals } from '@bellwether/contracts';
import { downgradeRequestedRule, invoiceOverdueRule, paymentFailedRule } from './billing-trouble.rule';
import { ruleConfig, scoreChange, signalChange } from '../score-change.fixture';

const evaluateWith = (billing: Partial<AccountSignals['billing']>) => ({ change: signalChange({ billing }), history: [] });

describe('payment_failed', () => {
  const config = ruleConfig({ id: 'payment_failed', severity: 'high' });

  it('fires while a payment failure is unpaid', () => {
    expect(paymentFailedRule.evaluate(evaluateWith({ trouble: ['payment_failed'], paymentFailedAt: '2026-03-01' }), config)).toEqual({
      state: 'firing',
      evidence: ['payment failed on 2026-03-01, no successful payment since'],
    });
  });

  it('clears once paid (the failure is no longer billing trouble)', () => {
    expect(paymentFailedRule.evaluate(evaluateWith({ trouble: [], paymentFailedAt: '2026-03-01' }), config)?.state).toBe('clear');
  });

  it('has no opinion without signals', () => {
    expect(paymentFailedRule.evaluate({ change: scoreChange(), history: [] }, config)).toBeNull();
  });
});

describe('invoice_overdue', () => {
  const config = ruleConfig({ id: 'invoice_overdue', severity: 'high' });

  it('fires while an invoice is overdue, and not for a payment failure alone', () => {
    expect(invoiceOverdueRule.evaluate(evaluateWith({ trouble: ['invoice_overdue'], invoiceOverdueAt: '2026-02-27' }), config)).toEqual({
      state: 'firing',
      evidence: ['invoice overdue since 2026-02-27, no successful payment since'],
    });
    expect(invoiceOverdueRule.evaluate(evaluateWith({ trouble: ['payment_failed'] }), config)?.state).toBe('clear');
  });

  it('has no opinion without signals', () => {
    expect(invoiceOverdueRule.evaluate({ change: scoreChange(), history: [] }, config)).toBeNull();
  });
});

describe('downgrade_requested', () => {
  const config = ruleConfig({ id: 'downgrade_requested', severity: 'high', autoResolve: false, params: { withinDays: 30 } });

  it('fires on a request 29 days back (30-day window, today included), naming the plan', () => {
    expect(downgradeRequestedRule.evaluate(evaluateWith({ downgradeRequestedAt: '2026-02-01' }), config)).toEqual({
      state: 'firing',
      evidence: ['downgrade of the pro plan requested on 2026-02-01'],
    });
  });

  it('clears for a request 30 days back', () => {
    expect(downgradeRequestedRule.evaluate(evaluateWith({ downgradeRequestedAt: '2026-01-31' }), config)).toEqual({
      state: 'clear',
      evidence: ['no downgrade request in the 30 days to 2026-03-02'],
    });
    expect(downgradeRequestedRule.evaluate(evaluateWith({ downgradeRequestedAt: null }), config)?.state).toBe('clear');
  });

  it('has no opinion without signals', () => {
    expect(downgradeRequestedRule.evaluate({ change: scoreChange(), history: [] }, config)).toBeNull();
  });
});
