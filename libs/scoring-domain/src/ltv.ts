/**
 * Account LTV = MRR × gross margin × expected lifetime in months, where the lifetime is
 * 1 / monthly churn probability, capped (product.md "Scores"). The churn risk score is read as a
 * 12-month churn probability and turned into a monthly one: 1 − (1 − p)^(1/12).
 */
export interface LtvSettings {
  readonly grossMargin: number;
  readonly maxLifetimeMonths: number;
}

export const defaultLtvSettings: LtvSettings = { grossMargin: 0.8, maxLifetimeMonths: 120 };

export function monthlyChurnProbability(annualChurnRisk: number): number {
  const p = Math.min(1, Math.max(0, annualChurnRisk));
  return 1 - Math.pow(1 - p, 1 / 12);
}

export function accountLtv(mrr: number | undefined, annualChurnRisk: number, settings: LtvSettings = defaultLtvSettings): number | null {
  if (mrr === undefined || mrr < 0) return null;
  const monthly = monthlyChurnProbability(annualChurnRisk);
  const lifetime = monthly <= 0 ? settings.maxLifetimeMonths : Math.min(settings.maxLifetimeMonths, 1 / monthly);
  return Math.round(mrr * settings.grossMargin * lifetime);
}
