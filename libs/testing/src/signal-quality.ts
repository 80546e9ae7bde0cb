import { DAY_MS, type JsonObject } from '@bellwether/contracts';
import type { AlertEpisode } from './replay';

/**
 * How good the alerts of a backtest are (issue 15, docs/signal-quality.md), measured against the
 * outcomes found in the replayed history itself — `account.churned`, `account.renewed`,
 * `account.expanded` — never against a generator's labels, so the same figures come out of a
 * customer's own export. Pure: history, alerts, incidents and the daily churn risk in, figures out.
 * The I/O (reading the database, writing the report) is scripts/backtest/'s.
 */

/** A flap: opened and resolved again within this much event time. */
export const FLAP_WINDOW_MS = DAY_MS;
/** A risk opening is right when its account churns within this long after it (an expansion one: expands). */
export const OUTCOME_HORIZON_MS = 90 * DAY_MS;
/** A churner counts as warned when a risk incident that did not flap opened at least this long before the churn. */
export const WARN_AHEAD_MS = 14 * DAY_MS;
/** Default N of "churn risk N days ahead". */
export const AUC_AHEAD_DAYS = 30;
/** Account-quarter: 91.25 account-days. */
export const QUARTER_MS = 91.25 * DAY_MS;
const WEEK_MS = 7 * DAY_MS;

/** What the measures read of an event of the history (a contract event; extra fields are ignored). */
export interface HistoryEvent {
  readonly type: string;
  readonly accountId: string;
  /** Event time, ISO-8601. */
  readonly timestamp: string;
  readonly properties?: JsonObject;
}

/** One account as its history tells it. Times are epoch ms of event time, ascending. */
export interface AccountTimeline {
  readonly accountId: string;
  /** The latest `account.updated` traits.csmId (or properties.csmId), null when none was given. */
  csmId: string | null;
  readonly firstEventMs: number;
  readonly churns: number[];
  /** A new subscription (`subscription.changed`) or an `account.renewed` while churned: the account is back. */
  readonly reactivations: number[];
  readonly renewals: number[];
  readonly expansions: number[];
  readonly paymentFailures: number[];
  /** NPS answers of 6 or less. */
  readonly detractorAnswers: number[];
}

export interface HistoryOutcomes {
  /** The first and last event time of the history (epoch ms); account-time runs to `endMs`. */
  readonly startMs: number;
  readonly endMs: number;
  readonly accounts: ReadonlyMap<string, AccountTimeline>;
}

/**
 * Folds a history (any order) into each account's outcomes. Throws on an event without an
 * accountId or with an unreadable timestamp (the NDJSON reader names the line).
 */
export function outcomesOfHistory(events: Iterable<HistoryEvent>): HistoryOutcomes {
  const sorted = [...events].map((event) => ({ event, ms: Date.parse(event.timestamp) }));
  for (const { event, ms } of sorted) {
    if (typeof event.accountId !== 'string' || event.accountId === '') throw new Error(`an event of type ${event.type} has no accountId`);
    if (Number.isNaN(ms)) throw new Error(`event of ${event.accountId} has an unreadable timestamp "${event.timestamp}"`);
  }
  sorted.sort((a, b) => a.ms - b.ms);
  const accounts = new Map<string, AccountTimeline>();
  for (const { event, ms } of sorted) {
    let account = accounts.get(event.accountId);
    if (!account) {
      account = { accountId: event.accountId, csmId: null, firstEventMs: ms, churns: [], reactivations: [], renewals: [], expansions: [], paymentFailures: [], detractorAnswers: [] };
      accounts.set(event.accountId, account);
    }
    const churned = account.churns.length > account.reactivations.length;
    const properties = event.properties ?? {};
    switch (event.type) {
      case 'account.churned':
        if (!churned) account.churns.push(ms);
        break;
      case 'account.renewed':
        account.renewals.push(ms);
        if (churned) account.reactivations.push(ms);
        break;
      case 'subscription.changed':
        if (churned) account.reactivations.push(ms);
        break;
      case 'account.expanded':
        account.expansions.push(ms);
        break;
      case 'billing.payment_failed':
        account.paymentFailures.push(ms);
        break;
      case 'nps.responded':
        if (typeof properties['score'] === 'number' && properties['score'] <= 6) account.detractorAnswers.push(ms);
        break;
      case 'account.updated': {
        const traits = properties['traits'];
        const fromTraits = traits && typeof traits === 'object' && !Array.isArray(traits) ? (traits as JsonObject)['csmId'] : undefined;
        const csmId = typeof fromTraits === 'string' ? fromTraits : typeof properties['csmId'] === 'string' ? properties['csmId'] : null;
        if (csmId) account.csmId = csmId;
        break;
      }
    }
  }
  return { startMs: sorted[0]?.ms ?? 0, endMs: sorted[sorted.length - 1]?.ms ?? 0, accounts };
}

/** The periods an account is a customer: from its first event to a churn, from a reactivation to the next churn or the end. */
export function livePeriods(account: AccountTimeline, endMs: number): { fromMs: number; toMs: number }[] {
  const periods: { fromMs: number; toMs: number }[] = [];
  let from: number | null = account.firstEventMs;
  let churnIndex = 0;
  let backIndex = 0;
  while (from !== null) {
    const churn = account.churns[churnIndex];
    if (churn === undefined) {
      periods.push({ fromMs: from, toMs: endMs });
      break;
    }
    periods.push({ fromMs: from, toMs: churn });
    churnIndex += 1;
    const back = account.reactivations[backIndex];
    backIndex += 1;
    from = back ?? null;
  }
  return periods.filter((period) => period.toMs > period.fromMs);
}

/** Whether the account is churned (after a churn, before its reactivation) at `ms`. */
export function isChurnedAt(account: AccountTimeline, ms: number): boolean {
  return account.churns.some((churn, index) => ms >= churn && ms < (account.reactivations[index] ?? Number.POSITIVE_INFINITY));
}

/**
 * An incident: what a CSM's queue shows, one per account and category while its rules fire
 * (alerting.incidents), or — before that table exists — derived from the alert episodes.
 */
export interface Incident {
  readonly id: string;
  readonly accountId: string;
  readonly category: string;
  readonly severity: string;
  /** Event times, ISO-8601; resolvedAt null while open. */
  readonly openedAt: string;
  readonly resolvedAt: string | null;
  readonly rules: readonly string[];
  /** The queue's owner when the incident says so; otherwise the account's csmId from the history. */
  readonly csmId: string | null;
}

const SEVERITY_ORDER = ['info', 'low', 'medium', 'high', 'critical'];

/**
 * Incidents derived from alert episodes, as Alertmanager groups them: per (account, category),
 * episodes that overlap in time (one opens before the group so far has resolved) form one
 * incident, open from the first opening to the last resolution (open while any is), with the
 * highest severity and every rule. Sorted by account, category, opening.
 */
export function incidentsFromAlerts(episodes: readonly AlertEpisode[]): Incident[] {
  const groups = new Map<string, AlertEpisode[]>();
  for (const episode of episodes) {
    pushTo(groups, `${episode.accountId}\u0000${episode.category}`, episode);
  }
  const incidents: Incident[] = [];
  for (const [key, members] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    members.sort((a, b) => Date.parse(a.openedAt) - Date.parse(b.openedAt));
    let current: { episodes: AlertEpisode[]; endMs: number } | null = null;
    const flush = () => {
      if (!current) return;
      const first = current.episodes[0] as AlertEpisode;
      const severity = current.episodes.map((episode) => episode.severity).reduce((a, b) => (SEVERITY_ORDER.indexOf(b) > SEVERITY_ORDER.indexOf(a) ? b : a));
      incidents.push({
        id: `derived:${key.replace('\u0000', ':')}:${first.openedAt}`,
        accountId: first.accountId,
        category: first.category,
        severity,
        openedAt: first.openedAt,
        resolvedAt: Number.isFinite(current.endMs) ? new Date(current.endMs).toISOString() : null,
        rules: [...new Set(current.episodes.map((episode) => episode.rule))].sort(),
        csmId: null,
      });
    };
    for (const episode of members) {
      const openedMs = Date.parse(episode.openedAt);
      const endMs = episode.resolvedAt === null ? Number.POSITIVE_INFINITY : Date.parse(episode.resolvedAt);
      if (current && openedMs < current.endMs) {
        current.episodes.push(episode);
        current.endMs = Math.max(current.endMs, endMs);
      } else {
        flush();
        current = { episodes: [episode], endMs };
      }
    }
    flush();
  }
  return incidents;
}

/** Something that opens and perhaps resolves: an alert episode or an incident. */
export interface Opening {
  readonly accountId: string;
  readonly openedAt: string;
  readonly resolvedAt: string | null;
}

/** Opened and resolved again within one event-day. */
export function isFlap(opening: Opening): boolean {
  return opening.resolvedAt !== null && Date.parse(opening.resolvedAt) - Date.parse(opening.openedAt) < FLAP_WINDOW_MS;
}

export interface FlapFigures {
  readonly opened: number;
  readonly flaps: number;
  /** flaps / opened (0 when none opened). */
  readonly rate: number;
}

export function flapFigures(openings: readonly Opening[]): FlapFigures {
  const flaps = openings.filter(isFlap).length;
  return { opened: openings.length, flaps, rate: share(flaps, openings.length) };
}

/** Which outcome makes an opening right: a churn (risk) or an expansion (expansion). */
export type OutcomeKind = 'churn' | 'expansion';

const outcomeTimes = (account: AccountTimeline | undefined, kind: OutcomeKind) => (account ? (kind === 'churn' ? account.churns : account.expansions) : []);

export interface PrecisionFigures {
  readonly opened: number;
  /** Openings whose account has the outcome within the horizon after the opening (at or after it). */
  readonly right: number;
  readonly precision: number;
  /** The same question asked of every live account-day (its midnight UTC): the rate a blind guess would get. */
  readonly baseRate: number;
  /** precision / baseRate (null when the base rate is 0). */
  readonly lift: number | null;
}

/**
 * Precision against the base rate. An opening is right when its account churns (expands) within
 * `horizonMs` after it. The base rate is the share of live account-days (each day's midnight UTC,
 * from the account's first event's day while it is a customer) on which the account churns
 * (expands) within the horizon after that midnight.
 */
export function precisionAgainstBaseRate(openings: readonly Opening[], history: HistoryOutcomes, kind: OutcomeKind, horizonMs = OUTCOME_HORIZON_MS): PrecisionFigures {
  const hitWithin = (times: readonly number[], fromMs: number) => times.some((time) => time >= fromMs && time - fromMs <= horizonMs);
  const right = openings.filter((opening) => hitWithin(outcomeTimes(history.accounts.get(opening.accountId), kind), Date.parse(opening.openedAt))).length;
  let days = 0;
  let positiveDays = 0;
  for (const account of history.accounts.values()) {
    const times = outcomeTimes(account, kind);
    for (const period of livePeriods(account, history.endMs)) {
      for (let day = Math.ceil(period.fromMs / DAY_MS) * DAY_MS; day < period.toMs; day += DAY_MS) {
        days += 1;
        if (hitWithin(times, day)) positiveDays += 1;
      }
    }
  }
  const precision = share(right, openings.length);
  const baseRate = share(positiveDays, days);
  return { opened: openings.length, right, precision, baseRate, lift: baseRate === 0 ? null : round(precision / baseRate, 2) };
}

export interface Summary {
  readonly count: number;
  /** Days; null when count is 0. */
  readonly median: number | null;
  readonly min: number | null;
  readonly max: number | null;
}

export interface RecallFigures {
  /** Churn events in the history (an account that churns twice counts twice). */
  readonly churns: number;
  /** Churns with a risk opening that did not flap, opened ≥ warnAhead and ≤ horizon before the churn. */
  readonly warned: number;
  readonly rate: number;
  /** Churn − the earliest such opening, over the warned churns. */
  readonly leadDays: Summary;
}

/**
 * Recall and lead time: for each churn, the risk openings of its account that did not flap
 * (resolved within a day) and opened within `horizonMs` before the churn; warned when the
 * earliest of them came at least `warnAheadMs` ahead.
 */
export function churnRecall(riskOpenings: readonly Opening[], history: HistoryOutcomes, warnAheadMs = WARN_AHEAD_MS, horizonMs = OUTCOME_HORIZON_MS): RecallFigures {
  const byAccount = groupByAccount(riskOpenings.filter((opening) => !isFlap(opening)));
  let churns = 0;
  const leads: number[] = [];
  for (const account of history.accounts.values()) {
    for (const churnMs of account.churns) {
      churns += 1;
      const opened = (byAccount.get(account.accountId) ?? []).map((opening) => Date.parse(opening.openedAt)).filter((ms) => ms < churnMs && churnMs - ms <= horizonMs);
      if (opened.length === 0) continue;
      const lead = churnMs - Math.min(...opened);
      if (lead >= warnAheadMs) leads.push(lead / DAY_MS);
    }
  }
  return { churns, warned: leads.length, rate: share(leads.length, churns), leadDays: summarize(leads) };
}

export interface RateFigures {
  readonly opened: number;
  readonly accountQuarters: number;
  /** opened / accountQuarters (0 when there is no account-time). */
  readonly rate: number;
}

/** Openings on the given accounts per account-quarter of their live time (from the first event, churned time left out). */
export function perAccountQuarter(openings: readonly Opening[], history: HistoryOutcomes, accountIds: ReadonlySet<string>): RateFigures {
  const opened = openings.filter((opening) => accountIds.has(opening.accountId)).length;
  let liveMs = 0;
  for (const id of accountIds) {
    const account = history.accounts.get(id);
    if (account) liveMs += livePeriods(account, history.endMs).reduce((sum, period) => sum + period.toMs - period.fromMs, 0);
  }
  const quarters = liveMs / QUARTER_MS;
  return { opened, accountQuarters: round(quarters, 2), rate: quarters === 0 ? 0 : round(opened / quarters, 2) };
}

/** Accounts without trouble in their history: no churn, no payment failure, no NPS of 6 or less. */
export function quietAccounts(history: HistoryOutcomes): Set<string> {
  return new Set([...history.accounts.values()].filter((account) => account.churns.length === 0 && account.paymentFailures.length === 0 && account.detractorAnswers.length === 0).map((account) => account.accountId));
}

export interface QueueLoad {
  readonly csms: number;
  readonly accountsPerCsm: number;
  readonly weeks: number;
  readonly incidents: number;
  /** New incidents per CSM-week: incidents / (csms × weeks). */
  readonly perCsmWeek: number;
  /** The busiest CSM-week. */
  readonly maxCsmWeek: number;
  /** Incidents whose account has no CSM (not in any queue). */
  readonly unowned: number;
}

/**
 * New queue items per CSM-week: each incident goes to its own csmId or else its account's csmId
 * (history), into the week (7 days from the history's start) of its opening. Every CSM that owns
 * an account counts for every week of the history, quiet weeks included.
 */
export function queueLoad(incidents: readonly Incident[], history: HistoryOutcomes): QueueLoad {
  const owners = new Map<string, number>();
  for (const account of history.accounts.values()) if (account.csmId) owners.set(account.csmId, (owners.get(account.csmId) ?? 0) + 1);
  const weeks = Math.max(1, Math.ceil((history.endMs - history.startMs) / WEEK_MS));
  const cells = new Map<string, number>();
  let unowned = 0;
  let counted = 0;
  for (const incident of incidents) {
    const csm = incident.csmId ?? history.accounts.get(incident.accountId)?.csmId ?? null;
    if (!csm) {
      unowned += 1;
      continue;
    }
    counted += 1;
    if (!owners.has(csm)) owners.set(csm, 0);
    const key = `${csm}\u0000${Math.floor((Date.parse(incident.openedAt) - history.startMs) / WEEK_MS)}`;
    cells.set(key, (cells.get(key) ?? 0) + 1);
  }
  const csms = owners.size;
  const accounts = [...owners.values()].reduce((sum, n) => sum + n, 0);
  return {
    csms,
    accountsPerCsm: csms === 0 ? 0 : round(accounts / csms, 1),
    weeks,
    incidents: counted,
    perCsmWeek: csms === 0 ? 0 : round(counted / (csms * weeks), 2),
    maxCsmWeek: Math.max(0, ...cells.values()),
    unowned,
  };
}

/**
 * Area under the ROC curve of scores against labels (Mann–Whitney U): the chance that a random
 * positive scores above a random negative, a tie counting one half. Null without positives or
 * without negatives.
 */
export function areaUnderCurve(samples: readonly { readonly score: number; readonly positive: boolean }[]): number | null {
  const positives = samples.filter((sample) => sample.positive).length;
  const negatives = samples.length - positives;
  if (positives === 0 || negatives === 0) return null;
  const sorted = [...samples].sort((a, b) => a.score - b.score);
  let positiveRankSum = 0;
  for (let start = 0; start < sorted.length; ) {
    let end = start;
    while (end + 1 < sorted.length && (sorted[end + 1] as { score: number }).score === (sorted[start] as { score: number }).score) end += 1;
    const averageRank = (start + end) / 2 + 1;
    for (let index = start; index <= end; index += 1) if ((sorted[index] as { positive: boolean }).positive) positiveRankSum += averageRank;
    start = end + 1;
  }
  return round((positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives), 4);
}

/** The churn risk an account had at the end of a UTC day: its last published value that day. */
export interface DailyChurnRisk {
  readonly accountId: string;
  /** Midnight UTC of the day, epoch ms. */
  readonly dayMs: number;
  readonly churnRisk: number;
}

export interface AucFigures {
  readonly auc: number | null;
  readonly accountDays: number;
  readonly positives: number;
}

/**
 * AUC of churn risk N days ahead. One sample per live account-day of the given accounts (days
 * whose N-day window ends within the history, so a "no churn" is known): the churn risk as of the
 * day's end (the latest value published on or before that day; days before the first value are
 * left out), positive when the account churns within the N days after the day's end.
 */
export function churnRiskAuc(dailyRisk: readonly DailyChurnRisk[], history: HistoryOutcomes, accountIds: ReadonlySet<string>, aheadDays = AUC_AHEAD_DAYS): AucFigures {
  const aheadMs = aheadDays * DAY_MS;
  const byAccount = new Map<string, DailyChurnRisk[]>();
  for (const point of dailyRisk) if (accountIds.has(point.accountId)) pushTo(byAccount, point.accountId, point);
  const samples: { score: number; positive: boolean }[] = [];
  for (const id of accountIds) {
    const account = history.accounts.get(id);
    const points = (byAccount.get(id) ?? []).sort((a, b) => a.dayMs - b.dayMs);
    if (!account || points.length === 0) continue;
    for (const period of livePeriods(account, history.endMs)) {
      let next = 0;
      let risk: number | null = null;
      for (let day = Math.floor(period.fromMs / DAY_MS) * DAY_MS; day < period.toMs; day += DAY_MS) {
        const dayEnd = day + DAY_MS;
        if (dayEnd > period.toMs) break;
        if (dayEnd + aheadMs > history.endMs) break;
        while (next < points.length && (points[next] as DailyChurnRisk).dayMs <= day) risk = (points[next++] as DailyChurnRisk).churnRisk;
        if (risk === null) continue;
        samples.push({ score: risk, positive: account.churns.some((churn) => churn >= dayEnd && churn - dayEnd < aheadMs) });
      }
    }
  }
  return { auc: areaUnderCurve(samples), accountDays: samples.length, positives: samples.filter((sample) => sample.positive).length };
}

/** Openings made while their account was churned (after a churn, before its reactivation), and on how many accounts. */
export function openedAfterChurn(openings: readonly Opening[], history: HistoryOutcomes): { readonly opened: number; readonly accounts: number } {
  const after = openings.filter((opening) => {
    const account = history.accounts.get(opening.accountId);
    return account !== undefined && isChurnedAt(account, Date.parse(opening.openedAt));
  });
  return { opened: after.length, accounts: new Set(after.map((opening) => opening.accountId)).size };
}

/** Expansion openings made while a risk incident of the same account was open (opened at or before, not yet resolved). */
export function expansionWhileAtRisk(expansionOpenings: readonly Opening[], riskIncidents: readonly Opening[]): number {
  const risks = groupByAccount(riskIncidents);
  return expansionOpenings.filter((expansion) => {
    const at = Date.parse(expansion.openedAt);
    return (risks.get(expansion.accountId) ?? []).some((risk) => Date.parse(risk.openedAt) <= at && (risk.resolvedAt === null || at < Date.parse(risk.resolvedAt)));
  }).length;
}

/**
 * Accounts that expand, and how many had an expansion opening open at some time within the horizon
 * before (or at) their first expansion. An opportunity stays in the queue until a person acts
 * (expansion rules do not resolve themselves), so one opened earlier and still open counts.
 */
export function growersFlagged(expansionOpenings: readonly Opening[], history: HistoryOutcomes, horizonMs = OUTCOME_HORIZON_MS): { readonly growers: number; readonly flagged: number; readonly rate: number } {
  const byAccount = groupByAccount(expansionOpenings);
  const growers = [...history.accounts.values()].filter((account) => account.expansions.length > 0);
  const flagged = growers.filter((account) => {
    const expandedMs = account.expansions[0] as number;
    return (byAccount.get(account.accountId) ?? []).some((opening) => {
      const opened = Date.parse(opening.openedAt);
      const resolved = opening.resolvedAt === null ? Infinity : Date.parse(opening.resolvedAt);
      return opened <= expandedMs && resolved >= expandedMs - horizonMs;
    });
  }).length;
  return { growers: growers.length, flagged, rate: share(flagged, growers.length) };
}

/** One rule's (or one category's incidents') figures. */
export interface OpeningFigures {
  readonly category: string;
  /** The rule id, or `incident`. */
  readonly rule: string;
  readonly flaps: FlapFigures;
  /** Risk: churn within 90 days; expansion: expansion within 90 days; other categories: null. */
  readonly precision: PrecisionFigures | null;
  readonly perAccountQuarter: RateFigures;
  readonly afterChurn: { readonly opened: number; readonly accounts: number };
  readonly stillOpen: number;
}

export interface BacktestInput {
  readonly history: HistoryOutcomes;
  readonly alerts: readonly AlertEpisode[];
  readonly incidents: readonly Incident[];
  readonly dailyRisk: readonly DailyChurnRisk[];
  /** Generator labels (accountId → archetype) when the history is the synthetic one; absent for a customer's export. */
  readonly labels?: ReadonlyMap<string, string>;
  readonly aucAheadDays?: number;
}

export interface BacktestFigures {
  readonly accounts: number;
  readonly days: number;
  readonly churns: number;
  readonly expansions: number;
  readonly renewals: number;
  readonly byRule: readonly OpeningFigures[];
  readonly byIncidentCategory: readonly OpeningFigures[];
  readonly recallIncidents: RecallFigures;
  readonly recallAlerts: RecallFigures;
  /** Risk incidents per account-quarter: on all accounts, on quiet ones (history), and per archetype (labels). */
  readonly riskIncidentsPerAccountQuarter: { readonly all: RateFigures; readonly quiet: RateFigures; readonly byArchetype: Readonly<Record<string, RateFigures>> };
  readonly queueLoad: QueueLoad;
  /** AUC of churn risk N days ahead: overall, and per churning archetype (its accounts plus every account that never churns). */
  readonly auc: { readonly aheadDays: number; readonly overall: AucFigures; readonly byArchetype: Readonly<Record<string, AucFigures>> };
  readonly alertsAfterChurn: { readonly opened: number; readonly accounts: number };
  readonly incidentsAfterChurn: { readonly opened: number; readonly accounts: number };
  readonly expansionAlertsWhileAtRisk: number;
  readonly expansionIncidentsWhileAtRisk: number;
  readonly growers: { readonly growers: number; readonly flagged: number; readonly rate: number };
}

/** Every figure of the backtest report. Alerts and incidents of accounts outside the history are ignored. */
export function measureBacktest(input: BacktestInput): BacktestFigures {
  const { history, labels } = input;
  const known = <T extends Opening>(items: readonly T[]) => items.filter((item) => history.accounts.has(item.accountId));
  const alerts = known(input.alerts);
  const incidents = known(input.incidents);
  const allIds = new Set(history.accounts.keys());
  const figuresOf = (category: string, rule: string, openings: readonly Opening[]): OpeningFigures => ({
    category,
    rule,
    flaps: flapFigures(openings),
    precision: category === 'risk' ? precisionAgainstBaseRate(openings, history, 'churn') : category === 'expansion' ? precisionAgainstBaseRate(openings, history, 'expansion') : null,
    perAccountQuarter: perAccountQuarter(openings, history, allIds),
    afterChurn: openedAfterChurn(openings, history),
    stillOpen: openings.filter((opening) => opening.resolvedAt === null).length,
  });
  const ruleGroups = new Map<string, AlertEpisode[]>();
  for (const alert of alerts) pushTo(ruleGroups, `${alert.category}\u0000${alert.rule}`, alert);
  const byRule = [...ruleGroups]
    .map(([key, members]) => figuresOf(key.split('\u0000')[0] as string, key.split('\u0000')[1] as string, members))
    .sort((a, b) => a.category.localeCompare(b.category) || b.flaps.opened - a.flaps.opened || a.rule.localeCompare(b.rule));
  const categories = [...new Set(incidents.map((incident) => incident.category))].sort();
  const byIncidentCategory = categories.map((category) => figuresOf(category, 'incident', incidents.filter((incident) => incident.category === category)));
  const riskIncidents = incidents.filter((incident) => incident.category === 'risk');
  const expansionIncidents = incidents.filter((incident) => incident.category === 'expansion');

  const archetypes = new Map<string, Set<string>>();
  for (const [id, archetype] of labels ?? []) {
    if (!history.accounts.has(id)) continue;
    const members = archetypes.get(archetype) ?? new Set<string>();
    members.add(id);
    archetypes.set(archetype, members);
  }
  const stayers = new Set([...history.accounts.values()].filter((account) => account.churns.length === 0).map((account) => account.accountId));
  const aheadDays = input.aucAheadDays ?? AUC_AHEAD_DAYS;
  const aucByArchetype: Record<string, AucFigures> = {};
  const perQuarterByArchetype: Record<string, RateFigures> = {};
  for (const [archetype, ids] of [...archetypes].sort(([a], [b]) => a.localeCompare(b))) {
    perQuarterByArchetype[archetype] = perAccountQuarter(riskIncidents, history, ids);
    if ([...ids].some((id) => (history.accounts.get(id)?.churns.length ?? 0) > 0)) aucByArchetype[archetype] = churnRiskAuc(input.dailyRisk, history, new Set([...ids, ...stayers]), aheadDays);
  }
  const accounts = [...history.accounts.values()];
  return {
    accounts: accounts.length,
    days: round((history.endMs - history.startMs) / DAY_MS, 1),
    churns: accounts.reduce((sum, account) => sum + account.churns.length, 0),
    expansions: accounts.reduce((sum, account) => sum + account.expansions.length, 0),
    renewals: accounts.reduce((sum, account) => sum + account.renewals.length, 0),
    byRule,
    byIncidentCategory,
    recallIncidents: churnRecall(riskIncidents, history),
    recallAlerts: churnRecall(alerts.filter((alert) => alert.category === 'risk'), history),
    riskIncidentsPerAccountQuarter: { all: perAccountQuarter(riskIncidents, history, allIds), quiet: perAccountQuarter(riskIncidents, history, quietAccounts(history)), byArchetype: perQuarterByArchetype },
    queueLoad: queueLoad(incidents, history),
    auc: { aheadDays, overall: churnRiskAuc(input.dailyRisk, history, allIds, aheadDays), byArchetype: aucByArchetype },
    alertsAfterChurn: openedAfterChurn(alerts, history),
    incidentsAfterChurn: openedAfterChurn(incidents, history),
    expansionAlertsWhileAtRisk: expansionWhileAtRisk(alerts.filter((alert) => alert.category === 'expansion'), riskIncidents),
    expansionIncidentsWhileAtRisk: expansionWhileAtRisk(expansionIncidents, riskIncidents),
    growers: growersFlagged(expansionIncidents, history),
  };
}

function groupByAccount<T extends Opening>(openings: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const opening of openings) pushTo(groups, opening.accountId, opening);
  return groups;
}

function pushTo<T>(groups: Map<string, T[]>, key: string, item: T): void {
  const list = groups.get(key);
  if (list) list.push(item);
  else groups.set(key, [item]);
}

function summarize(values: readonly number[]): Summary {
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
