/**
 * Account value tiers by ARR in USD. Unknown, negative or non-numeric ARR is the lowest band.
 *
 * | band     | ARR (USD)         | account tier |
 * | -------- | ----------------- | ------------ |
 * | lt_10k   | < 10,000          | smb          |
 * | lt_50k   | 10,000 – 49,999   | smb          |
 * | lt_250k  | 50,000 – 249,999  | mid-market   |
 * | gte_250k | ≥ 250,000         | enterprise   |
 */
export type ArrBand = 'lt_10k' | 'lt_50k' | 'lt_250k' | 'gte_250k';
export type AccountTier = 'smb' | 'mid-market' | 'enterprise';

export function arrBandOf(arrUsd?: number): ArrBand {
  if (arrUsd === undefined || !Number.isFinite(arrUsd) || arrUsd < 10_000) return 'lt_10k';
  if (arrUsd < 50_000) return 'lt_50k';
  if (arrUsd < 250_000) return 'lt_250k';
  return 'gte_250k';
}

export function accountTierOf(arrUsd?: number): AccountTier {
  const band = arrBandOf(arrUsd);
  return band === 'gte_250k' ? 'enterprise' : band === 'lt_250k' ? 'mid-market' : 'smb';
}

/** ARR from the MRR carried on score changes (`account.mrr`), or undefined when unknown. */
export function arrUsdFromMrr(mrr?: number): number | undefined {
  return mrr === undefined || !Number.isFinite(mrr) ? undefined : mrr * 12;
}
