import { type Segment } from '@bellwether/contracts';
import { SEGMENTS } from '@bellwether/contracts';
import { assertAccountRecords, startingCohort } from './account-record.util';
import { type AccountPeriodRecord, type RateValue } from './kpi.types';
import { ratio } from './kpi-math.util';

/**
 * Upsell / cross-sell rate over the period (not normalized to a month): the share of the
 * starting cohort with `expansionMrr > 0`. Accounts that churned later in the period stay in the
 * denominator (they were customers who could have expanded); accounts new in the period are left
 * out (their first purchase is not an upsell). `n` is the size of the starting cohort.
 */
export function upsellRate(accounts: readonly AccountPeriodRecord[]): RateValue {
  assertAccountRecords(accounts);
  const cohort = startingCohort(accounts);
  const count = cohort.filter((account) => account.expansionMrr > 0).length;
  return { value: ratio(count, cohort.length), n: cohort.length, count };
}

/** `upsellRate` of each segment (every segment present). */
export function upsellRateBySegment(accounts: readonly AccountPeriodRecord[]): Readonly<Record<Segment, RateValue>> {
  const entries = SEGMENTS.map((segment) => [segment, upsellRate(accounts.filter((account) => account.segment === segment))] as const);
  return Object.fromEntries(entries) as Record<Segment, RateValue>;
}
