import { DAY_MS, generateCustomerBase, type CustomerArchetype } from './customer-base';
import type { AlertEpisode } from './replay';
import { explainedByTrouble, isFlap, measureSignalQuality } from './signal-quality';

const base = generateCustomerBase({ seed: 3, accounts: 14, days: 40, nowMs: Date.parse('2026-03-01T00:00:00Z'), eventsPerActiveUser: 2, seats: [3, 6] });
const startMs = Date.parse(base.startTime);
const first = (archetype: CustomerArchetype) => {
  const account = base.accounts.find((candidate) => candidate.archetype === archetype);
  if (!account) throw new Error(`no ${archetype} in the base`);
  return account;
};
const at = (ms: number) => new Date(ms).toISOString();
const episode = (accountId: string, rule: string, openedMs: number, resolvedMs: number | null, category = 'risk'): AlertEpisode => ({
  accountId,
  rule,
  category,
  severity: 'high',
  openedAt: at(openedMs),
  resolvedAt: resolvedMs === null ? null : at(resolvedMs),
  status: resolvedMs === null ? 'open' : 'resolved',
});

describe('measureSignalQuality', () => {
  const healthy = first('healthy');
  const decliner = first('declining_churn');
  const payer = first('payment_failure');
  const detractor = first('nps_detractor');
  const churnMs = Date.parse(decliner.outcome.churnedAt ?? '');
  const troubleMs = Date.parse(decliner.outcome.trouble?.from ?? '');
  const episodes = [
    // A flap on a healthy account after the warm-up (opened and resolved within a day), one still open.
    episode(healthy.accountId, 'activity_dropped', startMs + 20 * DAY_MS, startMs + 20 * DAY_MS + 3_600_000),
    episode(healthy.accountId, 'health_entered_red', startMs + 60_000, null),
    // The decliner is warned 2 days into its decline.
    episode(decliner.accountId, 'activity_dropped', troubleMs + 2 * DAY_MS, churnMs - DAY_MS),
    // The payment failure and the detractor get their own rules.
    episode(payer.accountId, 'payment_failed', Date.parse(payer.outcome.trouble?.from ?? ''), Date.parse(payer.outcome.trouble?.until ?? '')),
    episode(detractor.accountId, 'nps_detractor', Date.parse(detractor.outcome.trouble?.from ?? ''), null),
    // An expansion alert, and an episode of an account outside the base (ignored).
    episode(healthy.accountId, 'seat_limit_near', startMs + 10 * DAY_MS, null, 'expansion'),
    episode('someone-else', 'activity_dropped', startMs, startMs + 1000),
  ];
  const quality = measureSignalQuality(base, episodes);

  it('counts episodes by category and rule, ignoring accounts outside the base', () => {
    expect(quality.episodes).toBe(6);
    expect(quality.byCategory).toEqual({ risk: 5, expansion: 1 });
    expect(quality.byRule.find((rule) => rule.rule === 'activity_dropped')).toEqual({ category: 'risk', rule: 'activity_dropped', opened: 2, flaps: 1, stillOpen: 0 });
  });

  it('computes the flap rate: opened and resolved within one event-day, for risk alerts and for all', () => {
    expect(quality.flapRisk).toEqual({ episodes: 5, flaps: 1, rate: 0.2 });
    expect(quality.flapAll).toEqual({ episodes: 6, flaps: 1, rate: 0.1667 });
    expect(isFlap(episode('a', 'r', 0, DAY_MS - 1))).toBe(true);
    expect(isFlap(episode('a', 'r', 0, DAY_MS))).toBe(false);
    expect(isFlap(episode('a', 'r', 0, null))).toBe(false);
  });

  it('rates risk alerts per healthy account-quarter, with and without the warm-up', () => {
    const healthyAccounts = base.accounts.filter((account) => ['healthy', 'late_reporter', 'expanding'].includes(account.archetype)).length;
    expect(quality.healthyRiskPerAccountQuarter.alerts).toBe(2);
    expect(quality.healthyRiskPerAccountQuarter.accountQuarters).toBeCloseTo((healthyAccounts * 40) / 91.25, 2);
    expect(quality.healthyRiskPerAccountQuarterAfterWarmUp.alerts).toBe(1);
    expect(quality.healthyRiskPerAccountQuarterAfterWarmUp.accountQuarters).toBeCloseTo((healthyAccounts * 26) / 91.25, 2);
  });

  it('measures precision against churn within 90 days, and recall with lead time for churners', () => {
    expect(quality.precision).toEqual({ riskAlerts: 5, onChurnWithin90Days: 1, rate: 0.2 });
    // The decliner was warned; the other churner was not.
    expect(quality.churnRecall.churners).toBe(base.accounts.filter((account) => account.outcome.churnedAt).length);
    expect(quality.churnRecall.warned).toBe(1);
    expect(quality.churnRecall.leadTimeDays.median).toBeCloseTo((churnMs - troubleMs - 2 * DAY_MS) / DAY_MS, 1);
    expect(quality.churnRecall.afterTroubleDays).toEqual({ count: 1, median: 2, min: 2, max: 2 });
  });

  it('explains the alerts of accounts with known trouble, not those of healthy accounts', () => {
    expect(quality.explained).toEqual({ riskAlerts: 5, explained: 3, rate: 0.6 });
    expect(explainedByTrouble(healthy, episodes[0] as AlertEpisode)).toBe(false);
    expect(quality.paymentFailureRecall).toEqual({ accounts: base.accounts.filter((account) => account.archetype === 'payment_failure').length, alerted: 1 });
    expect(quality.detractorRecall.alerted).toBe(1);
  });
});
