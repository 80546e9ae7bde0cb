import { DAY_MS, type Segment } from '@bellwether/contracts';
import { accountPeriodRecord, type KpiPeriod, type PortfolioKpiInput, type RevenueEntry } from '@bellwether/kpi-domain';
import type { KpiReadModels } from './kpi-read-model.repository';

/** Days an account has to complete its onboarding milestones after its contract starts. */
const ONBOARDING_DAYS = 90;

/**
 * Builds the input of `computePortfolioKpis` from the stored read models, for a period. Pure.
 * Each account's revenue facts become its MRR movements (`accountPeriodRecord`: the subscription
 * level is the source of truth, a delta event within the reconciliation window of a level change
 * is that change, not another one); the facts read past the period's end only reconcile.
 * Accounts without a revenue fact before the period's end are left out; an account's segment is
 * its latest snapshot's (`stable` before its first score change); its cohort is the month of its
 * contract start (or of its first sighting); an onboarding is due ONBOARDING_DAYS after the
 * contract start; a risk detection is a `segment_at_risk` alert, paired with the account's first
 * churn. An account's CAC and gross margin are its latest from a trusted source (the admin API or
 * an `accounts:write` key; not as of the period: a figure corrected later applies to every
 * period); without them it supplies no CAC to LTV/CAC and LTV uses the default margin.
 */
export function portfolioKpiInput(models: KpiReadModels, period: KpiPeriod): PortfolioKpiInput {
  const segmentOf = new Map(models.segments.map((row) => [row.account_id, row.segment]));
  const segmentFor = (accountId: string): Segment => segmentOf.get(accountId) ?? 'stable';
  const revenueOf = new Map<string, RevenueEntry[]>();
  const end = Date.parse(period.end);
  const revenueBeforeEnd = new Set<string>();
  for (const row of models.revenue) {
    const at = row.at.toISOString();
    const entry: RevenueEntry =
      row.kind === 'subscription'
        ? { id: row.event_id, at, kind: 'subscription', mrr: Number(row.amount) }
        : row.kind === 'churned'
          ? { id: row.event_id, at, kind: 'churned' }
          : { id: row.event_id, at, kind: row.kind as 'expanded' | 'contracted', delta: Number(row.amount) };
    revenueOf.set(row.account_id, [...(revenueOf.get(row.account_id) ?? []), entry]);
    if (row.at.getTime() < end) revenueBeforeEnd.add(row.account_id);
  }
  const churnedAt = new Map([...revenueOf].map(([id, entries]) => [id, entries.find((entry) => entry.kind === 'churned')?.at ?? null]));
  const { accounts, alerts, runs, nps } = models;
  return {
    accounts: accounts
      .filter((account) => revenueBeforeEnd.has(account.account_id))
      .map((account) => {
        const start = account.contract_start ?? account.first_seen;
        return {
          accountId: account.account_id,
          segment: segmentFor(account.account_id),
          cohort: start.toISOString().slice(0, 7),
          revenue: revenueOf.get(account.account_id) ?? [],
          ...(account.cac_usd === null ? {} : { cacUsd: Number(account.cac_usd) }),
          ...(account.gross_margin_pct === null ? {} : { grossMarginPct: Number(account.gross_margin_pct) }),
        };
      })
      .map((facts) => accountPeriodRecord(facts, period)),
    npsResponses: nps.map((row) => ({ accountId: row.account_id, segment: segmentFor(row.account_id), score: row.score, at: row.at.toISOString() })),
    alerts: alerts.map((row) => ({
      alertId: row.alert_id,
      rule: row.rule,
      category: row.category,
      openedAt: row.opened_at.toISOString(),
      acknowledgedAt: row.acknowledged_at?.toISOString() ?? null,
      resolvedAt: row.resolved_at?.toISOString() ?? null,
      outcome: row.outcome,
      segment: segmentFor(row.account_id),
    })),
    runs: runs.map((row) => ({
      runId: row.id,
      playbookId: row.playbook_id,
      variantId: row.variant_id,
      accountId: row.account_id,
      startedAt: row.created_at.toISOString(),
      endedAt: ['completed', 'exited'].includes(row.status) ? row.updated_at.toISOString() : null,
      outcome: row.outcome,
    })),
    onboardings: accounts
      .filter((account) => account.contract_start)
      .map((account) => ({
        accountId: account.account_id,
        startedAt: (account.contract_start as Date).toISOString(),
        completedAt: account.onboarded_at?.toISOString() ?? null,
        dueAt: new Date((account.contract_start as Date).getTime() + ONBOARDING_DAYS * DAY_MS).toISOString(),
      })),
    riskDetections: alerts
      .filter((row) => row.rule === 'segment_at_risk')
      .map((row) => ({ accountId: row.account_id, detectedAt: row.opened_at.toISOString(), churnedAt: churnedAt.get(row.account_id) ?? null })),
  };
}
