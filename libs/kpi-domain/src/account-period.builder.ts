import type { Segment } from '@bellwether/contracts';
import type { AccountPeriodRecord, KpiPeriod } from './kpi.types';

/** One revenue event of an account, in event time (from the events topic). */
export type RevenueEntry =
  | { readonly at: string; readonly kind: 'subscription'; readonly mrr: number }
  | { readonly at: string; readonly kind: 'expanded' | 'contracted'; readonly delta: number }
  | { readonly at: string; readonly kind: 'churned' };

export interface AccountFacts {
  readonly accountId: string;
  readonly segment: Segment;
  /** Contract start month, `YYYY-MM`. */
  readonly cohort: string;
  readonly revenue: readonly RevenueEntry[];
}

/**
 * Replays an account's revenue log into the period record the KPIs need: MRR at the start and
 * the end, expansion and contraction inside the period, churn in the period, new in the period.
 * A subscription change that raises MRR counts as expansion, one that lowers it as contraction.
 */
export function accountPeriodRecord(facts: AccountFacts, period: KpiPeriod): AccountPeriodRecord {
  const entries = [...facts.revenue].sort((a, b) => a.at.localeCompare(b.at));
  let mrr = 0;
  let mrrAtStart = 0;
  let expansion = 0;
  let contraction = 0;
  let churnedAt: string | null = null;
  let churnedMrr = 0;
  let seenBefore = false;
  for (const entry of entries) {
    if (entry.at >= period.end) break;
    const inPeriod = entry.at >= period.start;
    if (!inPeriod) seenBefore = true;
    const before = mrr;
    if (entry.kind === 'subscription') mrr = Math.max(0, entry.mrr);
    else if (entry.kind === 'expanded') mrr = before + Math.abs(entry.delta);
    else if (entry.kind === 'contracted') mrr = Math.max(0, before - Math.abs(entry.delta));
    else mrr = 0;
    if (!inPeriod) {
      mrrAtStart = mrr;
      continue;
    }
    if (entry.kind === 'churned') {
      if (before > 0) {
        churnedAt = entry.at;
        churnedMrr = before;
      }
    } else if (before > 0) {
      if (mrr > before) expansion += mrr - before;
      else contraction += before - mrr;
    }
  }
  return {
    accountId: facts.accountId,
    segment: facts.segment,
    cohort: facts.cohort,
    mrrAtStart,
    mrrAtEnd: mrr,
    expansionMrr: expansion,
    contractionMrr: contraction,
    churnedAt,
    churnedMrr,
    newInPeriod: !seenBefore && mrrAtStart === 0 && entries.some((entry) => entry.at >= period.start && entry.at < period.end),
  };
}
