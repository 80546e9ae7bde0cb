import type { Segment } from '@bellwether/contracts';
import { toMillis } from '@bellwether/playbook-domain';
import type { AccountPeriodRecord, KpiPeriod } from './kpi.types';
import { MRR_RECONCILIATION_WINDOW_DAYS, mrrMovements, type RevenueEntry } from './mrr-movements.builder';

export interface AccountFacts {
  readonly accountId: string;
  readonly segment: Segment;
  /** Contract start month, `YYYY-MM`. */
  readonly cohort: string;
  /**
   * The account's revenue facts, in any order: at least every one before the period's end plus
   * the reconciliation window (`revenueReadUntil`), since a fact just after the period can
   * reconcile a movement inside it. Later ones change nothing.
   */
  readonly revenue: readonly RevenueEntry[];
  /** Cost to acquire the account, USD (≥ 0); absent when no trusted source supplied one. Passed through to the record. */
  readonly cacUsd?: number;
  /** The account's gross margin, a fraction in [0, 1]; absent: `KpiSettings.grossMarginPct` applies. Passed through. */
  readonly grossMarginPct?: number;
}

/**
 * The period record the KPIs need, from an account's MRR movements (`mrrMovements`: each counted
 * once, the subscription level the source of truth): MRR at the start and the end, expansion and
 * contraction inside the period, churn in the period, new in the period. A movement up from a
 * paying MRR is expansion, one down contraction; a movement up from 0 is new business (or a
 * return), not expansion. The account's `cacUsd` and `grossMarginPct`, when given, pass through
 * unchanged (the LTV and LTV/CAC inputs). `windowDays` is the reconciliation window (default
 * MRR_RECONCILIATION_WINDOW_DAYS). Throws RangeError for an unparseable time.
 */
export function accountPeriodRecord(facts: AccountFacts, period: KpiPeriod, windowDays: number = MRR_RECONCILIATION_WINDOW_DAYS): AccountPeriodRecord {
  const start = toMillis(period.start);
  const end = toMillis(period.end);
  let mrrAtStart = 0;
  let mrrAtEnd = 0;
  let expansion = 0;
  let contraction = 0;
  let churnedAt: string | null = null;
  let churnedMrr = 0;
  for (const movement of mrrMovements(facts.revenue, windowDays).movements) {
    const at = toMillis(movement.at);
    if (at >= end) break;
    mrrAtEnd = movement.to;
    if (at < start) {
      mrrAtStart = movement.to;
    } else if (movement.churn) {
      churnedAt = movement.at;
      churnedMrr = movement.from;
    } else if (movement.from > 0) {
      if (movement.to > movement.from) expansion += movement.to - movement.from;
      else contraction += movement.from - movement.to;
    }
  }
  const times = facts.revenue.map((entry) => toMillis(entry.at));
  const seenBefore = times.some((at) => at < start);
  return {
    accountId: facts.accountId,
    segment: facts.segment,
    cohort: facts.cohort,
    mrrAtStart,
    mrrAtEnd,
    expansionMrr: expansion,
    contractionMrr: contraction,
    churnedAt,
    churnedMrr,
    newInPeriod: !seenBefore && mrrAtStart === 0 && times.some((at) => at >= start && at < end),
    ...(facts.cacUsd === undefined ? {} : { cacUsd: facts.cacUsd }),
    ...(facts.grossMarginPct === undefined ? {} : { grossMarginPct: facts.grossMarginPct }),
  };
}
