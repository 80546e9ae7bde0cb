import { param } from './evidence.util';
import { signalRule } from './signal-rule.util';
import { daysBetween, isoDate } from '../time.util';

/** Risk: a failed payment not followed by a successful one (scoring's billing memory applies). */
export const paymentFailedRule = signalRule('payment_failed', [], (signals, change) => {
  const { trouble, paymentFailedAt } = signals.billing;
  if (!trouble.includes('payment_failed')) return { state: 'clear', evidence: [`no unpaid payment failure on ${isoDate(change.eventTime)}`] };
  return { state: 'firing', evidence: [`payment failed on ${paymentFailedAt ?? 'an unknown day'}, no successful payment since`] };
});

/** Risk: an overdue invoice not followed by a successful payment. */
export const invoiceOverdueRule = signalRule('invoice_overdue', [], (signals, change) => {
  const { trouble, invoiceOverdueAt } = signals.billing;
  if (!trouble.includes('invoice_overdue')) return { state: 'clear', evidence: [`no overdue invoice on ${isoDate(change.eventTime)}`] };
  return { state: 'firing', evidence: [`invoice overdue since ${invoiceOverdueAt ?? 'an unknown day'}, no successful payment since`] };
});

/**
 * Risk: a downgrade requested within the last `withinDays` days, today included. It waits for a
 * person; the cool-down should cover the window so the same request does not re-open it.
 */
export const downgradeRequestedRule = signalRule('downgrade_requested', ['withinDays'], (signals, change, config) => {
  const { downgradeRequestedAt } = signals.billing;
  const withinDays = param(config.params, 'withinDays', 30);
  const age = downgradeRequestedAt === null ? null : daysBetween(downgradeRequestedAt, change.eventTime);
  if (downgradeRequestedAt === null || age === null || age < 0 || age >= withinDays) {
    return { state: 'clear', evidence: [`no downgrade request in the ${withinDays} days to ${isoDate(change.eventTime)}`] };
  }
  const plan = signals.contract.plan ? ` of the ${signals.contract.plan} plan` : '';
  return { state: 'firing', evidence: [`downgrade${plan} requested on ${downgradeRequestedAt}`] };
});
