import { DAY_MS } from '@bellwether/contracts';
import type { AlertEpisode } from './replay';
import {
  areaUnderCurve,
  churnRecall,
  churnRiskAuc,
  expansionWhileAtRisk,
  flapFigures,
  growersFlagged,
  incidentsFromAlerts,
  isChurnedAt,
  isFlap,
  livePeriods,
  measureBacktest,
  openedAfterChurn,
  outcomesOfHistory,
  perAccountQuarter,
  precisionAgainstBaseRate,
  queueLoad,
  quietAccounts,
  type HistoryEvent,
  type Incident,
  type Opening,
} from './signal-quality';

// A hand-made history: day d is D0 + d days (event time).
const D0 = Date.parse('2026-01-01T00:00:00Z');
const at = (days: number) => new Date(D0 + days * DAY_MS).toISOString();
const event = (accountId: string, type: string, days: number, properties: HistoryEvent['properties'] = {}): HistoryEvent => ({ accountId, type, timestamp: at(days), properties });
const owner = (accountId: string, csmId: string) => event(accountId, 'account.updated', 0, { traits: { csmId } });
// a churns on day 100; b stays to the end (day 199); c expands on day 50.
const events: HistoryEvent[] = [
  owner('a', 'csm-1'),
  owner('b', 'csm-1'),
  owner('c', 'csm-2'),
  event('a', 'account.churned', 100),
  event('c', 'account.expanded', 50),
  event('b', 'session.started', 199),
];
const history = outcomesOfHistory(events);
const opening = (accountId: string, openedDays: number, resolvedDays: number | null): Opening => ({ accountId, openedAt: at(openedDays), resolvedAt: resolvedDays === null ? null : at(resolvedDays) });
const episode = (accountId: string, rule: string, category: string, openedDays: number, resolvedDays: number | null, severity = 'medium'): AlertEpisode => ({
  accountId,
  rule,
  category,
  severity,
  openedAt: at(openedDays),
  resolvedAt: resolvedDays === null ? null : at(resolvedDays),
  status: resolvedDays === null ? 'open' : 'resolved',
});
const incident = (accountId: string, category: string, openedDays: number, resolvedDays: number | null, csmId: string | null = null): Incident => ({
  id: `${accountId}-${openedDays}`,
  accountId,
  category,
  severity: 'high',
  openedAt: at(openedDays),
  resolvedAt: resolvedDays === null ? null : at(resolvedDays),
  rules: ['r'],
  csmId,
});

describe('outcomesOfHistory', () => {
  it('reads churns, expansions, owners and the span from the history itself', () => {
    expect(history.startMs).toBe(D0);
    expect(history.endMs).toBe(D0 + 199 * DAY_MS);
    expect(history.accounts.get('a')).toMatchObject({ csmId: 'csm-1', churns: [D0 + 100 * DAY_MS], reactivations: [] });
    expect(history.accounts.get('c')?.expansions).toEqual([D0 + 50 * DAY_MS]);
  });

  it('counts a new subscription or a renewal after a churn as the account coming back, and a second churn only after that', () => {
    const back = outcomesOfHistory([
      event('r', 'session.started', 0),
      event('r', 'account.churned', 50),
      event('r', 'account.churned', 55), // still churned: not a second churn
      event('r', 'subscription.changed', 70, { startDate: at(70) }),
      event('r', 'account.renewed', 120), // a renewal, not a return
      event('r', 'session.started', 150),
    ]).accounts.get('r');
    expect(back).toMatchObject({ churns: [D0 + 50 * DAY_MS], reactivations: [D0 + 70 * DAY_MS], renewals: [D0 + 120 * DAY_MS] });
    expect(livePeriods(back!, D0 + 150 * DAY_MS)).toEqual([
      { fromMs: D0, toMs: D0 + 50 * DAY_MS },
      { fromMs: D0 + 70 * DAY_MS, toMs: D0 + 150 * DAY_MS },
    ]);
    expect(isChurnedAt(back!, D0 + 60 * DAY_MS)).toBe(true);
    expect(isChurnedAt(back!, D0 + 70 * DAY_MS)).toBe(false);
  });

  it('refuses an event without an account or with an unreadable time', () => {
    expect(() => outcomesOfHistory([{ type: 'x', accountId: '', timestamp: at(0) }])).toThrow('has no accountId');
    expect(() => outcomesOfHistory([{ type: 'x', accountId: 'a', timestamp: 'yesterday' }])).toThrow('unreadable timestamp');
  });
});

describe('flaps', () => {
  it('is a flap when resolved less than one day after opening; an open one is not', () => {
    expect(isFlap({ accountId: 'a', openedAt: at(0), resolvedAt: new Date(D0 + DAY_MS - 1).toISOString() })).toBe(true);
    expect(isFlap(opening('a', 0, 1))).toBe(false);
    expect(isFlap(opening('a', 0, null))).toBe(false);
    expect(flapFigures([opening('a', 0, 0.5), opening('a', 1, 3), opening('b', 2, null), opening('b', 4, 4.1)])).toEqual({ opened: 4, flaps: 2, rate: 0.5 });
  });
});

describe('precisionAgainstBaseRate', () => {
  it('counts openings followed by the churn within 90 days, against the share of live account-days that are', () => {
    // a at day 20 (churn 80 days later): right; a at day 5 (95 days): wrong; b never churns: wrong.
    const figures = precisionAgainstBaseRate([opening('a', 20, null), opening('a', 5, 6), opening('b', 30, null)], history, 'churn');
    // Live account-days: a 100 (days 0–99, of which days 10–99 are within 90 days of the churn), b 199, c 199.
    expect(figures).toEqual({ opened: 3, right: 1, precision: 0.3333, baseRate: 0.1807, lift: 1.84 });
  });

  it('measures expansion openings against expansions, and gives no lift without a base rate', () => {
    expect(precisionAgainstBaseRate([opening('c', 10, null), opening('c', 60, null)], history, 'expansion')).toMatchObject({ right: 1, precision: 0.5 });
    const noChurn = outcomesOfHistory([event('x', 'session.started', 0), event('x', 'session.started', 10)]);
    expect(precisionAgainstBaseRate([opening('x', 1, null)], noChurn, 'churn')).toEqual({ opened: 1, right: 0, precision: 0, baseRate: 0, lift: null });
  });
});

describe('churnRecall', () => {
  it('warns a churner with an incident that did not flap, opened 14–90 days ahead; the lead is from the earliest', () => {
    const recall = churnRecall([opening('a', 80, null), opening('a', 85, 99)], history);
    expect(recall).toEqual({ churns: 1, warned: 1, rate: 1, leadDays: { count: 1, median: 20, min: 20, max: 20 } });
  });

  it('does not count a flap (resolved within a day), an incident under 14 days ahead, or one over 90 days ahead', () => {
    expect(churnRecall([opening('a', 50, 50.5)], history).warned).toBe(0);
    expect(churnRecall([opening('a', 90, null)], history).warned).toBe(0);
    expect(churnRecall([opening('a', 5, null)], history).warned).toBe(0);
    // A flap earlier than a real warning does not lengthen the lead.
    expect(churnRecall([opening('a', 30, 30.2), opening('a', 70, null)], history).leadDays.median).toBe(30);
  });

  it('takes the median lead over the warned churns', () => {
    const two = outcomesOfHistory([...events, event('d', 'session.started', 0), event('d', 'account.churned', 150)]);
    const recall = churnRecall([opening('a', 80, null), opening('d', 110, 140), opening('b', 10, null)], two);
    expect(recall).toMatchObject({ churns: 2, warned: 2, rate: 1, leadDays: { count: 2, median: 30, min: 20, max: 40 } });
  });
});

describe('perAccountQuarter and quietAccounts', () => {
  it('divides openings by the live account-quarters of the accounts asked about', () => {
    // b: 199 live days = 2.18 quarters; 2 openings → 0.92. The opening on a is not b's.
    expect(perAccountQuarter([opening('b', 10, 12), opening('b', 40, null), opening('a', 3, null)], history, new Set(['b']))).toEqual({ opened: 2, accountQuarters: 2.18, rate: 0.92 });
  });

  it('leaves churned time out of the account-time, and finds the accounts without trouble', () => {
    // a lives 100 days (to its churn): 1.1 quarters.
    expect(perAccountQuarter([], history, new Set(['a'])).accountQuarters).toBe(1.1);
    const troubled = outcomesOfHistory([...events, event('p', 'billing.payment_failed', 3), event('n', 'nps.responded', 3, { score: 4 }), event('m', 'nps.responded', 3, { score: 9 })]);
    expect(quietAccounts(troubled)).toEqual(new Set(['b', 'c', 'm']));
  });
});

describe('queueLoad', () => {
  it('spreads new incidents over every CSM and every week of the history, using the account owner unless the incident names one', () => {
    const load = queueLoad([incident('a', 'risk', 1, null), incident('b', 'risk', 2, 3), incident('b', 'expansion', 6, null), incident('c', 'risk', 15, null), incident('zz', 'risk', 15, null)], history);
    // 199 days = 29 weeks; csm-1 has a and b, csm-2 has c; 4 owned incidents / (2 × 29) CSM-weeks.
    expect(load).toEqual({ csms: 2, accountsPerCsm: 1.5, weeks: 29, incidents: 4, perCsmWeek: 0.07, maxCsmWeek: 3, unowned: 1 });
    expect(queueLoad([incident('c', 'risk', 1, null, 'csm-1')], history)).toMatchObject({ incidents: 1, maxCsmWeek: 1 });
  });
});

describe('areaUnderCurve', () => {
  it('is the chance a positive outscores a negative, a tie counting one half', () => {
    // Pairs: 0.9 beats 0.5 and 0.1 (2); 0.5 ties 0.5 (½) and beats 0.1 (1): 3.5 of 4.
    expect(areaUnderCurve([{ score: 0.9, positive: true }, { score: 0.5, positive: true }, { score: 0.5, positive: false }, { score: 0.1, positive: false }])).toBe(0.875);
    expect(areaUnderCurve([{ score: 1, positive: true }, { score: 0, positive: false }])).toBe(1);
    expect(areaUnderCurve([{ score: 0, positive: true }, { score: 1, positive: false }])).toBe(0);
    expect(areaUnderCurve([{ score: 0.3, positive: true }, { score: 0.3, positive: false }, { score: 0.3, positive: false }])).toBe(0.5);
    expect(areaUnderCurve([{ score: 0.3, positive: false }])).toBeNull();
  });
});

describe('churnRiskAuc', () => {
  it('scores each live account-day by the risk published as of its end against a churn within the next N days', () => {
    const churnAtNoon = outcomesOfHistory([owner('a', 'csm-1'), owner('b', 'csm-1'), event('a', 'account.churned', 100.5), event('b', 'session.started', 199)]);
    const risk = [
      { accountId: 'a', dayMs: D0, churnRisk: 0.2 },
      { accountId: 'a', dayMs: D0 + 75 * DAY_MS, churnRisk: 0.8 },
      { accountId: 'b', dayMs: D0, churnRisk: 0.3 },
    ];
    const figures = churnRiskAuc(risk, churnAtNoon, new Set(['a', 'b']), 30);
    // a: days 0–99 (day 99 ends before the churn); positive when the churn is < 30 days after the
    // day's end: days 70–99 (30). Scores: 0.2 to day 74, 0.8 from day 75. b: days 0–168 (its 30-day
    // window must end by day 199), score 0.3, all negative. Negatives: 70 × 0.2 + 169 × 0.3 = 239.
    // Positives above negatives: 25 × 239 (0.8) + 5 × 70 × ½ (0.2 ties 0.2) = 6150 of 30 × 239 = 7170.
    expect(figures).toEqual({ auc: 0.8577, accountDays: 100 + 169, positives: 30 });
  });

  it('leaves out days before the first published risk and accounts without any', () => {
    const figures = churnRiskAuc([{ accountId: 'b', dayMs: D0 + 100 * DAY_MS, churnRisk: 0.1 }], history, new Set(['b', 'c']), 30);
    expect(figures).toEqual({ auc: null, accountDays: 69, positives: 0 });
  });
});

describe('incidentsFromAlerts', () => {
  it('groups overlapping episodes per account and category, with every rule and the highest severity', () => {
    const incidents = incidentsFromAlerts([
      episode('a', 'r1', 'risk', 0, 10, 'medium'),
      episode('a', 'r2', 'risk', 5, 12, 'high'),
      episode('a', 'r1', 'risk', 12, null, 'low'), // opens as the first incident resolves: a new one
      episode('a', 'e1', 'expansion', 3, 4),
      episode('b', 'r1', 'risk', 3, 4),
    ]);
    expect(incidents.map(({ accountId, category, severity, openedAt, resolvedAt, rules }) => ({ accountId, category, severity, openedAt, resolvedAt, rules }))).toEqual([
      { accountId: 'a', category: 'expansion', severity: 'medium', openedAt: at(3), resolvedAt: at(4), rules: ['e1'] },
      { accountId: 'a', category: 'risk', severity: 'high', openedAt: at(0), resolvedAt: at(12), rules: ['r1', 'r2'] },
      { accountId: 'a', category: 'risk', severity: 'low', openedAt: at(12), resolvedAt: null, rules: ['r1'] },
      { accountId: 'b', category: 'risk', severity: 'medium', openedAt: at(3), resolvedAt: at(4), rules: ['r1'] },
    ]);
  });

  it('keeps an incident open while any of its episodes is', () => {
    const [only] = incidentsFromAlerts([episode('a', 'r1', 'risk', 0, null), episode('a', 'r2', 'risk', 1, 2)]);
    expect(only).toMatchObject({ resolvedAt: null, rules: ['r1', 'r2'] });
  });
});

describe('after churn, expansion while at risk, growers', () => {
  it('counts openings while the account is churned, not before the churn or after its return', () => {
    const back = outcomesOfHistory([event('r', 'session.started', 0), event('r', 'account.churned', 50), event('r', 'subscription.changed', 70), event('r', 'session.started', 100)]);
    expect(openedAfterChurn([opening('r', 40, null), opening('r', 50, null), opening('r', 60, 61), opening('r', 80, null)], back)).toEqual({ opened: 2, accounts: 1 });
  });

  it('counts expansion openings made while a risk incident of the same account is open', () => {
    const risks = [opening('c', 10, 20), opening('c', 22, null), opening('b', 0, null)];
    // 15: inside [10, 20); 20: resolved; 25: inside the open one; b's risk is not c's.
    expect(expansionWhileAtRisk([opening('c', 15, null), opening('c', 20, null), opening('c', 25, null), opening('c', 5, null)], risks)).toBe(2);
  });

  it('flags a grower with an expansion opening within 90 days before its expansion', () => {
    expect(growersFlagged([opening('c', 30, null)], history)).toEqual({ growers: 1, flagged: 1, rate: 1 });
    expect(growersFlagged([opening('c', 51, null)], history)).toEqual({ growers: 1, flagged: 0, rate: 0 });
    // Opened long before and still open (nobody acted on it) or resolved within the horizon: flagged.
    expect(growersFlagged([opening('c', -100, null)], history)).toEqual({ growers: 1, flagged: 1, rate: 1 });
    expect(growersFlagged([opening('c', -100, -30)], history)).toEqual({ growers: 1, flagged: 1, rate: 1 });
    expect(growersFlagged([opening('c', -100, -45)], history)).toEqual({ growers: 1, flagged: 0, rate: 0 });
  });
});

describe('measureBacktest', () => {
  it('puts it together per rule and per incident, ignoring accounts outside the history, and splits by label when given', () => {
    const alerts = [episode('a', 'activity_dropped', 'risk', 20, 21.5), episode('a', 'health_entered_red', 'risk', 21, 40), episode('a', 'neglect', 'risk', 105, null), episode('c', 'seat_limit_near', 'expansion', 30, null), episode('zz', 'activity_dropped', 'risk', 1, null)];
    const figures = measureBacktest({ history, alerts, incidents: incidentsFromAlerts(alerts), dailyRisk: [], labels: new Map([['a', 'slow_decline'], ['b', 'healthy'], ['c', 'expanding']]) });
    expect(figures).toMatchObject({ accounts: 3, churns: 1, expansions: 1, renewals: 0, alertsAfterChurn: { opened: 1, accounts: 1 }, incidentsAfterChurn: { opened: 1, accounts: 1 } });
    expect(figures.byRule.map((row) => `${row.category}/${row.rule}:${row.flaps.opened}`)).toEqual(['expansion/seat_limit_near:1', 'risk/activity_dropped:1', 'risk/health_entered_red:1', 'risk/neglect:1']);
    // Two risk incidents on a: days 20–open (both episodes overlap) and day 105 (after the churn).
    expect(figures.byIncidentCategory.find((row) => row.category === 'risk')?.flaps.opened).toBe(2);
    expect(figures.recallIncidents).toMatchObject({ churns: 1, warned: 1, leadDays: { median: 80 } });
    expect(figures.growers).toEqual({ growers: 1, flagged: 1, rate: 1 });
    expect(Object.keys(figures.riskIncidentsPerAccountQuarter.byArchetype)).toEqual(['expanding', 'healthy', 'slow_decline']);
    expect(figures.riskIncidentsPerAccountQuarter.byArchetype['healthy']?.opened).toBe(0);
  });
});
