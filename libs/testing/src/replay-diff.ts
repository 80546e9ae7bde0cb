import type { AlertEpisode, ScoreHistoryRow } from './replay';

/** What one replay produced: the score history per account and the alert episodes. */
export interface ReplayOutcome {
  readonly scoreHistory: ReadonlyMap<string, readonly ScoreHistoryRow[]>;
  readonly episodes: readonly AlertEpisode[];
}

export interface ReplayDifference {
  readonly identical: boolean;
  /** Accounts with a score history in either run. */
  readonly accountsCompared: number;
  /** Accounts whose histories are not equal row for row, sorted. */
  readonly accountsDiffering: readonly string[];
  readonly episodesCompared: { readonly expected: number; readonly actual: number };
  /** Episodes (as a multiset) only the expected run has, and only the actual run has. */
  readonly episodesOnlyInExpected: readonly AlertEpisode[];
  readonly episodesOnlyInActual: readonly AlertEpisode[];
  /** A readable account of the differences ('' when identical). */
  readonly report: string;
}

export interface CompareOptions {
  /** Names of the two runs in the report (default A and B). */
  readonly labels?: readonly [string, string];
  /** Accounts shown in detail (default 8), and episodes listed per side (default 20). */
  readonly maxAccounts?: number;
  readonly maxEpisodes?: number;
}

/**
 * Compares two replays of the same events: every account's full score history (sequence, event
 * time, health, band, churn risk, segment, stage) and every alert episode (account, rule,
 * category, severity, opened, resolved, status). Pure; the report shows, per differing account,
 * the rows around the first difference, and the episodes one side has and the other lacks.
 */
export function compareReplays(expected: ReplayOutcome, actual: ReplayOutcome, options: CompareOptions = {}): ReplayDifference {
  const [left, right] = options.labels ?? ['A', 'B'];
  const maxAccounts = options.maxAccounts ?? 8;
  const maxEpisodes = options.maxEpisodes ?? 20;
  const accounts = [...new Set([...expected.scoreHistory.keys(), ...actual.scoreHistory.keys()])].sort();
  const accountsDiffering = accounts.filter((account) => !sameRows(expected.scoreHistory.get(account) ?? [], actual.scoreHistory.get(account) ?? []));
  const onlyInExpected = multisetMinus(expected.episodes, actual.episodes);
  const onlyInActual = multisetMinus(actual.episodes, expected.episodes);
  const identical = accountsDiffering.length === 0 && onlyInExpected.length === 0 && onlyInActual.length === 0;
  const lines: string[] = [];
  if (!identical) {
    const rowsOf = (outcome: ReplayOutcome) => [...outcome.scoreHistory.values()].reduce((sum, rows) => sum + rows.length, 0);
    lines.push(
      `score history: ${accountsDiffering.length} of ${accounts.length} accounts differ (${left}: ${rowsOf(expected)} rows, ${right}: ${rowsOf(actual)} rows)`,
      `alert episodes: ${left} ${expected.episodes.length}, ${right} ${actual.episodes.length}; only in ${left}: ${onlyInExpected.length}, only in ${right}: ${onlyInActual.length}`,
    );
    for (const account of accountsDiffering.slice(0, maxAccounts)) lines.push('', ...describeHistoryDifference(account, expected.scoreHistory.get(account) ?? [], actual.scoreHistory.get(account) ?? [], left, right));
    if (accountsDiffering.length > maxAccounts) lines.push('', `… and ${accountsDiffering.length - maxAccounts} more accounts: ${accountsDiffering.slice(maxAccounts).join(', ')}`);
    for (const [label, episodes] of [
      [left, onlyInExpected],
      [right, onlyInActual],
    ] as const) {
      if (episodes.length === 0) continue;
      lines.push('', `episodes only in ${label}:`, ...episodes.slice(0, maxEpisodes).map((episode) => `  ${formatEpisode(episode)}`));
      if (episodes.length > maxEpisodes) lines.push(`  … and ${episodes.length - maxEpisodes} more`);
    }
  }
  return {
    identical,
    accountsCompared: accounts.length,
    accountsDiffering,
    episodesCompared: { expected: expected.episodes.length, actual: actual.episodes.length },
    episodesOnlyInExpected: onlyInExpected,
    episodesOnlyInActual: onlyInActual,
    report: lines.join('\n'),
  };
}

function sameRows(a: readonly ScoreHistoryRow[], b: readonly ScoreHistoryRow[]): boolean {
  return a.length === b.length && a.every((row, index) => formatRow(row) === formatRow(b[index] as ScoreHistoryRow));
}

function describeHistoryDifference(account: string, a: readonly ScoreHistoryRow[], b: readonly ScoreHistoryRow[], left: string, right: string): string[] {
  let first = 0;
  while (first < a.length && first < b.length && formatRow(a[first] as ScoreHistoryRow) === formatRow(b[first] as ScoreHistoryRow)) first += 1;
  const from = Math.max(0, first - 1);
  const show = (rows: readonly ScoreHistoryRow[]) => (rows.length <= from ? ['    (no more rows)'] : rows.slice(from, first + 3).map((row) => `    ${formatRow(row)}`));
  return [
    `${account}: ${left} ${a.length} rows, ${right} ${b.length} rows; first difference at row ${first + 1}`,
    `  ${left}:`,
    ...show(a),
    `  ${right}:`,
    ...show(b),
  ];
}

/** `#sequence eventTime health band churnRisk segment stage`. */
export function formatRow(row: ScoreHistoryRow): string {
  return `#${row.sequence} ${row.eventTime} health ${row.health} ${row.band} risk ${row.churnRisk} ${row.segment} ${row.stage}`;
}

/** `account rule (category/severity) opened → resolved status`. */
export function formatEpisode(episode: AlertEpisode): string {
  return `${episode.accountId} ${episode.rule} (${episode.category}/${episode.severity}) ${episode.openedAt} → ${episode.resolvedAt ?? 'open'} ${episode.status}`;
}

function multisetMinus(from: readonly AlertEpisode[], remove: readonly AlertEpisode[]): AlertEpisode[] {
  const counts = new Map<string, number>();
  for (const episode of remove) counts.set(formatEpisode(episode), (counts.get(formatEpisode(episode)) ?? 0) + 1);
  const left: AlertEpisode[] = [];
  for (const episode of from) {
    const key = formatEpisode(episode);
    const count = counts.get(key) ?? 0;
    if (count > 0) counts.set(key, count - 1);
    else left.push(episode);
  }
  return left.sort((a, b) => formatEpisode(a).localeCompare(formatEpisode(b)));
}
