import type { AlertEpisode, ScoreHistoryRow } from './replay';
import { compareReplays, type ReplayOutcome } from './replay-diff';

const row = (sequence: number, day: number, health: number, stage = 'adoption'): ScoreHistoryRow => ({
  sequence,
  eventTime: `2026-01-${String(day).padStart(2, '0')}T00:00:00.000Z`,
  health,
  band: health >= 70 ? 'green' : health >= 40 ? 'yellow' : 'red',
  churnRisk: 0.1,
  segment: 'stable',
  stage,
});
const episode = (accountId: string, rule: string, openedDay: number, resolvedDay: number | null): AlertEpisode => ({
  accountId,
  rule,
  category: 'risk',
  severity: 'high',
  openedAt: `2026-01-${String(openedDay).padStart(2, '0')}T00:00:00.000Z`,
  resolvedAt: resolvedDay === null ? null : `2026-01-${String(resolvedDay).padStart(2, '0')}T00:00:00.000Z`,
  status: resolvedDay === null ? 'open' : 'resolved',
});

const runA: ReplayOutcome = {
  scoreHistory: new Map([
    ['acct-1', [row(1, 1, 80), row(2, 2, 75), row(3, 3, 60)]],
    ['acct-2', [row(1, 1, 50)]],
  ]),
  episodes: [episode('acct-1', 'activity_dropped', 3, 4), episode('acct-1', 'activity_dropped', 9, null), episode('acct-2', 'payment_failed', 2, 5)],
};

describe('compareReplays', () => {
  it('finds two equal replays identical, whatever the order of the episodes', () => {
    const copy: ReplayOutcome = { scoreHistory: new Map([...runA.scoreHistory].reverse()), episodes: [...runA.episodes].reverse() };
    const difference = compareReplays(runA, copy);
    expect(difference).toMatchObject({ identical: true, accountsCompared: 2, accountsDiffering: [], episodesOnlyInExpected: [], episodesOnlyInActual: [], report: '' });
  });

  it('names the accounts whose history differs, and shows the rows around the first difference', () => {
    const runB: ReplayOutcome = {
      ...runA,
      scoreHistory: new Map([
        ['acct-1', [row(1, 1, 80), row(2, 2, 75), row(3, 3, 60, 'reactivation')]],
        ['acct-2', [row(1, 1, 50)]],
      ]),
    };
    const difference = compareReplays(runA, runB, { labels: ['run A', 'run B'] });
    expect(difference.identical).toBe(false);
    expect(difference.accountsDiffering).toEqual(['acct-1']);
    expect(difference.report).toContain('score history: 1 of 2 accounts differ');
    expect(difference.report).toContain('acct-1: run A 3 rows, run B 3 rows; first difference at row 3');
    expect(difference.report).toContain('#3 2026-01-03T00:00:00.000Z health 60 yellow risk 0.1 stable reactivation');
  });

  it('counts a missing or extra row and an account only one run scored', () => {
    const runB: ReplayOutcome = { ...runA, scoreHistory: new Map([['acct-1', [row(1, 1, 80), row(2, 2, 75)]], ['acct-3', [row(1, 1, 90)]]]) };
    const difference = compareReplays(runA, runB);
    expect(difference.accountsDiffering).toEqual(['acct-1', 'acct-2', 'acct-3']);
    expect(difference.report).toContain('acct-2: A 1 rows, B 0 rows; first difference at row 1');
  });

  it('lists episodes one run has and the other lacks, as multisets', () => {
    const runB: ReplayOutcome = {
      ...runA,
      episodes: [episode('acct-1', 'activity_dropped', 3, 4), episode('acct-1', 'activity_dropped', 3, 4), episode('acct-2', 'payment_failed', 2, 6)],
    };
    const difference = compareReplays(runA, runB);
    expect(difference.accountsDiffering).toEqual([]);
    expect(difference.episodesOnlyInExpected).toEqual([episode('acct-1', 'activity_dropped', 9, null), episode('acct-2', 'payment_failed', 2, 5)]);
    expect(difference.episodesOnlyInActual).toEqual([episode('acct-1', 'activity_dropped', 3, 4), episode('acct-2', 'payment_failed', 2, 6)]);
    expect(difference.report).toContain('alert episodes: A 3, B 3; only in A: 2, only in B: 2');
    expect(difference.report).toContain('acct-2 payment_failed (risk/high) 2026-01-02T00:00:00.000Z → 2026-01-06T00:00:00.000Z resolved');
  });
});
