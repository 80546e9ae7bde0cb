import { type AccountPeriodRecord } from './kpi.types';
import { assertFraction, assertNonNegative } from './kpi-math.util';

/**
 * Throws RangeError naming the account and field when a record carries a negative or
 * non-finite amount, or a gross margin outside [0, 1] (e.g. `80` where `0.8` was meant).
 */
export function assertAccountRecords(accounts: readonly AccountPeriodRecord[]): void {
  for (const account of accounts) {
    const where = `account ${account.accountId}`;
    assertNonNegative(account.mrrAtStart, `${where}: mrrAtStart`);
    assertNonNegative(account.mrrAtEnd, `${where}: mrrAtEnd`);
    assertNonNegative(account.expansionMrr, `${where}: expansionMrr`);
    assertNonNegative(account.contractionMrr, `${where}: contractionMrr`);
    assertNonNegative(account.churnedMrr, `${where}: churnedMrr`);
    if (account.grossMarginPct !== undefined) assertFraction(account.grossMarginPct, `${where}: grossMarginPct`);
    if (account.cacUsd !== undefined) assertNonNegative(account.cacUsd, `${where}: cacUsd`);
  }
}

/**
 * The starting cohort: accounts that were paying customers when the period began
 * (`mrrAtStart > 0` and not new in the period). Churn, GRR, NRR and upsell rate are measured on
 * it, so an account that joins and leaves within the same period counts in none of them.
 */
export function startingCohort(accounts: readonly AccountPeriodRecord[]): AccountPeriodRecord[] {
  return accounts.filter((account) => account.mrrAtStart > 0 && !account.newInPeriod);
}

/** Accounts paying at period end (`mrrAtEnd > 0`). */
export function payingAtEnd(accounts: readonly AccountPeriodRecord[]): AccountPeriodRecord[] {
  return accounts.filter((account) => account.mrrAtEnd > 0);
}
