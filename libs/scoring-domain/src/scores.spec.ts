import type { TelemetryEvent } from '@bellwether/contracts';
import { applyEvent, emptyAccountState, STATE_HORIZON_DAYS, type AccountState } from './account-state';
import { npsCategory } from './measures';
import { isMaterialChange, reasonsForChange } from './score-change';
import { defaultScorecard } from './scorecard';
import { bandOf, evaluateAccount } from './scores';
import { dayOf } from './time';

let sequence = 0;
function event(type: string, timestamp: string, properties: TelemetryEvent['properties'] = {}, userId?: string): TelemetryEvent {
  sequence += 1;
  return { schemaVersion: 1, id: `e${sequence}`, type, accountId: 'acme', userId, timestamp, receivedAt: timestamp, source: 'native', properties };
}

function day(offset: number): string {
  return new Date(Date.UTC(2026, 2, 1) + offset * 86_400_000).toISOString();
}

/** An onboarded account with 10 seats whose 6 users use 4 key features every day for 35 days. */
function healthyAccount(): AccountState {
  const state = emptyAccountState('acme');
  applyEvent(state, event('subscription.changed', day(-200), { plan: 'pro', seats: 10, mrr: 2000, startDate: day(-200) }));
  for (let d = 0; d < 35; d += 1) {
    for (let user = 0; user < 6; user += 1) {
      applyEvent(state, event('feature.used', day(d), { feature: ['reports', 'dashboards', 'integrations', 'automation'][user % 4] }, `u${user}`));
    }
  }
  return state;
}

describe('bands', () => {
  it.each([
    [100, 'green'],
    [70, 'green'],
    [69, 'yellow'],
    [40, 'yellow'],
    [39, 'red'],
    [0, 'red'],
  ])('health %i is %s', (health, band) => {
    expect(bandOf(health, defaultScorecard.bands)).toBe(band);
  });
});

describe('NPS category', () => {
  it.each([
    [10, 'promoter'],
    [9, 'promoter'],
    [8, 'passive'],
    [7, 'passive'],
    [6, 'detractor'],
    [0, 'detractor'],
  ])('score %i is a %s', (score, category) => {
    expect(npsCategory(score)).toBe(category);
  });
});

describe('evaluateAccount', () => {
  it('scores an engaged, onboarded account green and stable, with drivers summing to the health', () => {
    const evaluation = evaluateAccount(healthyAccount(), day(34), defaultScorecard);
    expect(evaluation.snapshot.band).toBe('green');
    expect(evaluation.snapshot.segment).toBe('stable');
    const sum = evaluation.drivers.reduce((total, driver) => total + driver.contribution, 0);
    expect(Math.abs(sum - evaluation.snapshot.health)).toBeLessThanOrEqual(1);
    expect(evaluation.snapshot.churnRisk).toBeLessThan(0.1);
  });

  it('an account that goes silent loses health as the evaluation day moves on', () => {
    const state = healthyAccount();
    const active = evaluateAccount(state, day(34), defaultScorecard).snapshot.health;
    const silentTwoWeeks = evaluateAccount(state, day(48), defaultScorecard).snapshot.health;
    const silentTwoMonths = evaluateAccount(state, day(94), defaultScorecard).snapshot;
    expect(silentTwoWeeks).toBeLessThan(active);
    expect(silentTwoMonths.health).toBeLessThan(silentTwoWeeks);
    expect(silentTwoMonths.band).toBe('red');
    expect(silentTwoMonths.segment).toBe('at_risk');
  });

  it('a detractor NPS puts the account at risk and says so in the reasons', () => {
    const state = healthyAccount();
    const before = evaluateAccount(state, day(34), defaultScorecard);
    applyEvent(state, event('nps.responded', day(34), { score: 3 }));
    const after = evaluateAccount(state, day(34), defaultScorecard);
    expect(after.snapshot.segment).toBe('at_risk');
    expect(after.snapshot.churnRisk).toBeGreaterThan(before.snapshot.churnRisk);
    expect(reasonsForChange(before.drivers, after)[0]).toContain('NPS 3 (detractor)');
  });

  it('a failed payment is cleared by a later successful one', () => {
    const state = healthyAccount();
    applyEvent(state, event('billing.payment_failed', day(30)));
    expect(evaluateAccount(state, day(34), defaultScorecard).signals.billingTrouble).toEqual(['payment_failed']);
    applyEvent(state, event('billing.payment_succeeded', day(32)));
    expect(evaluateAccount(state, day(34), defaultScorecard).signals.billingTrouble).toEqual([]);
  });

  it('activity below half the baseline is a steep decline (at risk); exactly half counts, just above does not', () => {
    const build = (lastWeekPerDay: number): AccountState => {
      const state = emptyAccountState('acme');
      applyEvent(state, event('subscription.changed', day(-200), { seats: 1, startDate: day(-200) }));
      for (let d = 0; d < 28; d += 1) for (let n = 0; n < 10; n += 1) applyEvent(state, event('session.started', day(d), {}, 'u1'));
      for (let d = 28; d < 35; d += 1) for (let n = 0; n < lastWeekPerDay; n += 1) applyEvent(state, event('session.started', day(d), {}, 'u1'));
      return state;
    };
    expect(evaluateAccount(build(5), day(34), defaultScorecard).snapshot.segment).toBe('at_risk');
    expect(evaluateAccount(build(6), day(34), defaultScorecard).signals.activityTrend).toBeCloseTo(0.6);
  });

  it('replaying the same events in another order gives the same scores', () => {
    const events = [
      event('subscription.changed', day(-100), { seats: 5, startDate: day(-100) }),
      event('feature.used', day(1), { feature: 'reports' }, 'a'),
      event('support.ticket_opened', day(2), { ticketId: 't1', topic: 'login' }),
      event('nps.responded', day(3), { score: 9 }),
      event('feature.used', day(4), { feature: 'api' }, 'b'),
    ];
    const forward = emptyAccountState('acme');
    const backward = emptyAccountState('acme');
    events.forEach((e) => applyEvent(forward, e));
    [...events].reverse().forEach((e) => applyEvent(backward, e));
    expect(evaluateAccount(forward, day(5), defaultScorecard)).toEqual(evaluateAccount(backward, day(5), defaultScorecard));
  });

  it('keeps state bounded: day counters older than the horizon are pruned', () => {
    const state = emptyAccountState('acme');
    for (let d = 0; d < 400; d += 1) applyEvent(state, event('session.started', day(d), {}, `u${d}`));
    expect(Object.keys(state.activityByDay).length).toBeLessThanOrEqual(STATE_HORIZON_DAYS + 1);
    expect(Object.keys(state.userLastSeen).length).toBeLessThanOrEqual(STATE_HORIZON_DAYS + 1);
    expect(state.lastEventDay).toBe(dayOf(day(399)));
  });
});

describe('isMaterialChange', () => {
  const base = { health: 72, band: 'green', churnRisk: 0.05, segment: 'stable', stage: 'adoption' } as const;
  it('publishes the first score', () => expect(isMaterialChange(null, base, defaultScorecard)).toBe(true));
  it('ignores an unchanged score', () => expect(isMaterialChange(base, { ...base }, defaultScorecard)).toBe(false));
  it('publishes a one-point move', () => expect(isMaterialChange(base, { ...base, health: 71 }, defaultScorecard)).toBe(true));
  it('publishes a band change', () => expect(isMaterialChange(base, { ...base, band: 'yellow' }, defaultScorecard)).toBe(true));
  it('ignores a churn wobble under the threshold', () => expect(isMaterialChange(base, { ...base, churnRisk: 0.06 }, defaultScorecard)).toBe(false));
});
