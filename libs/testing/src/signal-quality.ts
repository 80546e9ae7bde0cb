import { DAY_MS, type CustomerArchetype, type CustomerBase, type SimulatedAccount } from './customer-base';
import type { AlertEpisode } from './replay';

/**
 * How good the alerts of a replay are, measured against the simulated base's known outcomes
 * (issue 14, docs/signal-quality.md). Pure: episodes in, figures out.
 */

/** Archetypes with no real trouble: every risk alert on them is a false alarm. */
export const healthyArchetypes: readonly CustomerArchetype[] = ['healthy', 'late_reporter', 'expanding'];

/** A flap: opened and resolved again within this much event time. */
export const FLAP_WINDOW_MS = DAY_MS;
/** A risk alert is a true early warning when its account churns within this long after it opened. */
export const CHURN_HORIZON_MS = 90 * DAY_MS;
/** Days of each account's start excluded in the "after warm-up" figures (the scorecard's baseline needs two weeks). */
export const WARM_UP_DAYS = 14;
/** Account-quarter: 91.25 days. */
const QUARTER_MS = 91.25 * DAY_MS;

export interface FlapFigures {
  readonly episodes: number;
  /** Opened and resolved again within one event-day. */
  readonly flaps: number;
  /** flaps / episodes (0 when there are none). */
  readonly rate: number;
}

export interface LeadTimes {
  readonly count: number;
  /** Days; null when count is 0. */
  readonly median: number | null;
  readonly min: number | null;
  readonly max: number | null;
}

export interface SignalQuality {
  readonly accounts: number;
  readonly days: number;
  readonly episodes: number;
  /** Episodes opened per category, and per category and rule. */
  readonly byCategory: Readonly<Record<string, number>>;
  readonly byRule: readonly { readonly category: string; readonly rule: string; readonly opened: number; readonly flaps: number; readonly stillOpen: number }[];
  readonly flapRisk: FlapFigures;
  readonly flapAll: FlapFigures;
  /** Risk alerts opened on accounts without trouble, per account-quarter of those accounts. */
  readonly healthyRiskPerAccountQuarter: { readonly alerts: number; readonly accountQuarters: number; readonly rate: number };
  /** The same, leaving out each account's first WARM_UP_DAYS days. */
  readonly healthyRiskPerAccountQuarterAfterWarmUp: { readonly alerts: number; readonly accountQuarters: number; readonly rate: number };
  /** Risk alerts per account-quarter by archetype (all days). */
  readonly riskPerAccountQuarterByArchetype: Readonly<Record<string, number>>;
  /** Share of risk alerts whose account churns within 90 days after the alert opened. */
  readonly precision: { readonly riskAlerts: number; readonly onChurnWithin90Days: number; readonly rate: number };
  /** Share of risk alerts opened while the account had its known trouble (see `explainedByTrouble`). */
  readonly explained: { readonly riskAlerts: number; readonly explained: number; readonly rate: number };
  /** Churners with a risk alert within 90 days before the churn, and how early the first one came. */
  readonly churnRecall: { readonly churners: number; readonly warned: number; readonly rate: number; readonly leadTimeDays: LeadTimes; readonly afterTroubleDays: LeadTimes };
  /** Payment failures with a payment_failed alert; detractors with an nps_detractor alert. */
  readonly paymentFailureRecall: { readonly accounts: number; readonly alerted: number };
  readonly detractorRecall: { readonly accounts: number; readonly alerted: number };
}

/**
 * Computes the figures. `episodes` are all alert episodes of the replay (alerting.alerts);
 * accounts not in the base are ignored.
 */
export function measureSignalQuality(base: CustomerBase, episodes: readonly AlertEpisode[]): SignalQuality {
  const accounts = new Map(base.accounts.map((account) => [account.accountId, account]));
  const ours = episodes.filter((episode) => accounts.has(episode.accountId));
  const risk = ours.filter((episode) => episode.category === 'risk');
  const startMs = Date.parse(base.startTime);
  const endMs = Date.parse(base.endTime);

  const byCategory: Record<string, number> = {};
  const rules = new Map<string, { category: string; rule: string; opened: number; flaps: number; stillOpen: number }>();
  for (const episode of ours) {
    byCategory[episode.category] = (byCategory[episode.category] ?? 0) + 1;
    const key = `${episode.category}/${episode.rule}`;
    const entry = rules.get(key) ?? { category: episode.category, rule: episode.rule, opened: 0, flaps: 0, stillOpen: 0 };
    entry.opened += 1;
    if (isFlap(episode)) entry.flaps += 1;
    if (episode.resolvedAt === null) entry.stillOpen += 1;
    rules.set(key, entry);
  }

  // Account-time: from the start to the churn (or the end).
  const liveMs = (account: SimulatedAccount, fromMs: number) => Math.max(0, (account.outcome.churnedAt ? Date.parse(account.outcome.churnedAt) : endMs) - fromMs);
  const healthy = base.accounts.filter((account) => healthyArchetypes.includes(account.archetype));
  const healthyIds = new Set(healthy.map((account) => account.accountId));
  const healthyRisk = risk.filter((episode) => healthyIds.has(episode.accountId));
  const warmUpEndMs = startMs + WARM_UP_DAYS * DAY_MS;
  const perQuarter = (alerts: number, quarters: number) => ({ alerts, accountQuarters: round(quarters, 2), rate: quarters === 0 ? 0 : round(alerts / quarters, 2) });

  const riskPerAccountQuarterByArchetype: Record<string, number> = {};
  for (const archetype of new Set(base.accounts.map((account) => account.archetype))) {
    const members = base.accounts.filter((account) => account.archetype === archetype);
    const ids = new Set(members.map((account) => account.accountId));
    const quarters = members.reduce((sum, account) => sum + liveMs(account, startMs), 0) / QUARTER_MS;
    riskPerAccountQuarterByArchetype[archetype] = quarters === 0 ? 0 : round(risk.filter((episode) => ids.has(episode.accountId)).length / quarters, 2);
  }

  const churnsWithin = (episode: AlertEpisode) => {
    const churnedAt = accounts.get(episode.accountId)?.outcome.churnedAt;
    if (!churnedAt) return false;
    const lead = Date.parse(churnedAt) - Date.parse(episode.openedAt);
    return lead >= 0 && lead <= CHURN_HORIZON_MS;
  };
  const onChurn = risk.filter(churnsWithin).length;
  const explainedCount = risk.filter((episode) => explainedByTrouble(accounts.get(episode.accountId) as SimulatedAccount, episode)).length;

  const churners = base.accounts.filter((account) => account.outcome.churnedAt !== null);
  const leadTimes: number[] = [];
  const afterTrouble: number[] = [];
  for (const churner of churners) {
    const churnMs = Date.parse(churner.outcome.churnedAt as string);
    const warnings = risk
      .filter((episode) => episode.accountId === churner.accountId && Date.parse(episode.openedAt) < churnMs && churnMs - Date.parse(episode.openedAt) <= CHURN_HORIZON_MS)
      .map((episode) => Date.parse(episode.openedAt));
    const troubleMs = churner.outcome.trouble ? Date.parse(churner.outcome.trouble.from) : null;
    // The first warning that follows the trouble's start (earlier ones are noise, not foresight).
    const relevant = troubleMs === null ? warnings : warnings.filter((opened) => opened >= troubleMs);
    if (relevant.length === 0) continue;
    const first = Math.min(...relevant);
    leadTimes.push((churnMs - first) / DAY_MS);
    if (troubleMs !== null) afterTrouble.push((first - troubleMs) / DAY_MS);
  }
  const hasRule = (archetype: CustomerArchetype, rule: string) => {
    const members = base.accounts.filter((account) => account.archetype === archetype);
    return { accounts: members.length, alerted: members.filter((account) => ours.some((episode) => episode.accountId === account.accountId && episode.rule === rule)).length };
  };

  return {
    accounts: base.accounts.length,
    days: base.days,
    episodes: ours.length,
    byCategory,
    byRule: [...rules.values()].sort((a, b) => a.category.localeCompare(b.category) || b.opened - a.opened || a.rule.localeCompare(b.rule)),
    flapRisk: flapFigures(risk),
    flapAll: flapFigures(ours),
    healthyRiskPerAccountQuarter: perQuarter(healthyRisk.length, healthy.reduce((sum, account) => sum + liveMs(account, startMs), 0) / QUARTER_MS),
    healthyRiskPerAccountQuarterAfterWarmUp: perQuarter(
      healthyRisk.filter((episode) => Date.parse(episode.openedAt) >= warmUpEndMs).length,
      healthy.reduce((sum, account) => sum + liveMs(account, warmUpEndMs), 0) / QUARTER_MS,
    ),
    riskPerAccountQuarterByArchetype,
    precision: { riskAlerts: risk.length, onChurnWithin90Days: onChurn, rate: share(onChurn, risk.length) },
    explained: { riskAlerts: risk.length, explained: explainedCount, rate: share(explainedCount, risk.length) },
    churnRecall: { churners: churners.length, warned: leadTimes.length, rate: share(leadTimes.length, churners.length), leadTimeDays: summarize(leadTimes), afterTroubleDays: summarize(afterTrouble) },
    paymentFailureRecall: hasRule('payment_failure', 'payment_failed'),
    detractorRecall: hasRule('nps_detractor', 'nps_detractor'),
  };
}

/** Opened and resolved again within one event-day. */
export function isFlap(episode: AlertEpisode): boolean {
  return episode.resolvedAt !== null && Date.parse(episode.resolvedAt) - Date.parse(episode.openedAt) < FLAP_WINDOW_MS;
}

/**
 * Whether a risk alert has a real cause in the simulation: it opened while its account was in
 * known trouble — a decline or silence up to the churn, a payment failure until 7 days after the
 * recovery, a detractor's answer for 30 days.
 */
export function explainedByTrouble(account: SimulatedAccount, episode: AlertEpisode): boolean {
  const trouble = account.outcome.trouble;
  if (!trouble) return false;
  const opened = Date.parse(episode.openedAt);
  const from = Date.parse(trouble.from);
  const until =
    trouble.kind === 'payment_failed'
      ? Date.parse(trouble.until ?? trouble.from) + 7 * DAY_MS
      : trouble.kind === 'detractor'
        ? from + 30 * DAY_MS
        : Date.parse(account.outcome.churnedAt ?? trouble.from);
  return opened >= from && opened <= until;
}

function flapFigures(episodes: readonly AlertEpisode[]): FlapFigures {
  const flaps = episodes.filter(isFlap).length;
  return { episodes: episodes.length, flaps, rate: share(flaps, episodes.length) };
}

function summarize(values: readonly number[]): LeadTimes {
  if (values.length === 0) return { count: 0, median: null, min: null, max: null };
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return { count: values.length, median: round(median, 1), min: round(sorted[0] as number, 1), max: round(sorted[sorted.length - 1] as number, 1) };
}

function share(part: number, whole: number): number {
  return whole === 0 ? 0 : round(part / whole, 4);
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
