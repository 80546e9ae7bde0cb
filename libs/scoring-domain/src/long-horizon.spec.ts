import type { TelemetryEvent } from '@bellwether/contracts';
import { deriveAccountSignals } from './account-signals';
import { applyEvent, emptyAccountState, MAX_ACTIVITY_USERS, upgradeState, type AccountState } from './account-state';
import { championOf, isChampionLost, usageLevelOf } from './long-horizon';
import { champion as championMeasure, usageLevel as usageLevelMeasure } from './measures';
import { defaultScorecard, type Scorecard } from './scorecard';
import { evaluateAccount, type AccountEvaluation } from './scores';
import { dayEnd, isoDay, weekOf } from './time';

// Focused, generator-free fixtures: accounts built day by day from a level function, with a
// weekday/weekend rhythm and seeded noise, scored at the end of each day as a day close does.

const START = 20_400; // 2025-11-09, a Sunday
let sequence = 0;

/** The scorecard as it was before the long-horizon measures: no weight, no churn coefficient. */
const before: Scorecard = {
  ...defaultScorecard,
  weights: { ...defaultScorecard.weights, usage_level: 0, champion: 0 },
  churnModel: { ...defaultScorecard.churnModel, longDecline: 0, championLost: 0 },
};

function event(type: string, day: number, userId: string | undefined, properties: TelemetryEvent['properties'] = {}): TelemetryEvent {
  sequence += 1;
  const timestamp = `${isoDay(day)}T10:00:00.000Z`;
  return { schemaVersion: 1, id: `lh${sequence}`, type, accountId: 'acme', ...(userId ? { userId } : {}), timestamp, receivedAt: timestamp, source: 'native', properties };
}

/** Deterministic noise in [1 − spread, 1 + spread]. */
function noise(seed: number, spread: number): number {
  const x = Math.sin(seed * 12.9898) * 43_758.5453;
  return 1 + spread * (2 * (x - Math.floor(x)) - 1);
}

interface Simulation {
  readonly days: number;
  /** Per user, the mean events on a weekday at full level (weekends a fifth of it). */
  readonly usersPerDay: Readonly<Record<string, number>>;
  /** The account's level on a day (1 = its usual self); per user when given. */
  readonly level: (day: number, user: string) => number;
  /** The feature a user's n-th event of a day uses (default: each user cycles through four key features). */
  readonly featureOf?: (user: string, index: number, n: number, day: number) => string;
}

/** Builds the account day by day and scores it at the end of each day, with both scorecards. */
function simulate(simulation: Simulation): { state: AccountState; now: AccountEvaluation[]; then: AccountEvaluation[] } {
  const state = emptyAccountState('acme');
  applyEvent(state, event('subscription.changed', START, undefined, { plan: 'pro', seats: 10, mrr: 2000, startDate: isoDay(START - 200) }));
  const now: AccountEvaluation[] = [];
  const then: AccountEvaluation[] = [];
  const features = ['reports', 'dashboards', 'integrations', 'automation'];
  for (let offset = 0; offset < simulation.days; offset += 1) {
    const day = START + offset;
    const weekend = [0, 6].includes(new Date(day * 86_400_000).getUTCDay());
    Object.entries(simulation.usersPerDay).forEach(([user, perDay], index) => {
      const mean = perDay * simulation.level(offset, user) * (weekend ? 0.2 : 1) * noise(day * 31 + index, 0.3);
      const count = Math.round(mean);
      for (let n = 0; n < count; n += 1) {
        const feature = simulation.featureOf?.(user, index, n, offset) ?? features[(index + n) % features.length] ?? 'reports';
        applyEvent(state, event('feature.used', day, user, { feature }), defaultScorecard.signals);
      }
    });
    now.push(evaluateAccount(state, dayEnd(day), defaultScorecard));
    then.push(evaluateAccount(state, dayEnd(day), before));
  }
  return { state, now, then };
}

const sixUsers = { u0: 6, u1: 5, u2: 5, u3: 4, u4: 4, u5: 3 };

/** Steady for 60 days, then a 75-day linear slide of 1%/day (to 25%); the account churns on day 135. */
const SLIDE_START = 60;
const CHURN_DAY = 135;
const slide = simulate({ days: CHURN_DAY, usersPerDay: sixUsers, level: (day) => (day < SLIDE_START ? 1 : 1 - 0.01 * (day - SLIDE_START)) });

/** Steady with a weekly rhythm, noise, and a two-week holiday at 10% (days 80–93). */
const steady = simulate({ days: CHURN_DAY, usersPerDay: sixUsers, level: (day) => (day >= 80 && day < 94 ? 0.1 : 1) });

const firstDay = (evaluations: AccountEvaluation[], predicate: (evaluation: AccountEvaluation) => boolean): number => evaluations.findIndex(predicate);

describe('a slow decline (75 days at 1%/day)', () => {
  it('before: stays green and never reads as a steep decline against the 4-week baseline', () => {
    const beforeChurn = slide.then.slice(SLIDE_START, CHURN_DAY - 14);
    expect(beforeChurn.every((evaluation) => (evaluation.signals.activityTrend ?? 1) > 0.5)).toBe(true);
    expect(slide.then[CHURN_DAY - 30]?.snapshot.band).toBe('green');
    expect(slide.then[CHURN_DAY - 30]?.snapshot.churnRisk).toBeLessThan(0.1);
  });

  it('now: usage falls to ≤ 80% of its 90-day level (the rule’s default) a month before the churn, and says so', () => {
    const fallen = firstDay(slide.now, (evaluation) => (evaluation.signals.usageLevel?.ratio ?? 1) <= 0.8);
    expect(fallen).toBeGreaterThan(SLIDE_START);
    expect(CHURN_DAY - fallen).toBeGreaterThanOrEqual(30);
    const at30 = slide.now[CHURN_DAY - 30] as AccountEvaluation;
    expect(at30.explanations['usage_level']).toMatch(/^usage is 7\d% of its 90-day level \(\d+ vs 14\d events\/week\)$/);
    expect(at30.drivers.find((driver) => driver.measure === 'usage_level')?.score).toBeLessThan(80);
    const at14 = slide.now[CHURN_DAY - 14] as AccountEvaluation;
    expect(at14.drivers.find((driver) => driver.measure === 'usage_level')?.score).toBeLessThan(60);
  });

  it('now: churn risk 30 days ahead is well above the old one and above the steady account at any time', () => {
    const at30 = slide.now[CHURN_DAY - 30] as AccountEvaluation;
    const old30 = slide.then[CHURN_DAY - 30] as AccountEvaluation;
    expect(at30.snapshot.churnRisk).toBeGreaterThan(2 * old30.snapshot.churnRisk);
    // Ranked well clear of a steady account on every day (what AUC measures); before, within its noise.
    const calm = simulate({ days: CHURN_DAY, usersPerDay: sixUsers, level: () => 1 });
    const calmMax = Math.max(...calm.now.slice(42).map((evaluation) => evaluation.snapshot.churnRisk));
    expect(at30.snapshot.churnRisk).toBeGreaterThan(2.5 * calmMax);
    const calmMaxBefore = Math.max(...calm.then.slice(42).map((evaluation) => evaluation.snapshot.churnRisk));
    expect(old30.snapshot.churnRisk).toBeLessThan(1.5 * calmMaxBefore);
  });

  it('now: at half its level the account is at risk from then on', () => {
    const halved = firstDay(slide.now, (evaluation) => (evaluation.signals.usageLevel?.ratio ?? 1) <= 0.5);
    expect(halved).toBeGreaterThan(SLIDE_START);
    expect(slide.now.slice(halved).every((evaluation) => evaluation.snapshot.segment === 'at_risk')).toBe(true);
  });
});

describe('a steady account with a weekly rhythm, noise and a two-week holiday', () => {
  it('keeps its usage level above 75% throughout, the holiday included', () => {
    const ratios = steady.now.map((evaluation) => evaluation.signals.usageLevel?.ratio).filter((ratio): ratio is number => ratio !== undefined);
    expect(ratios.length).toBeGreaterThan(80);
    expect(Math.min(...ratios)).toBeGreaterThan(0.85);
  });

  it('loses no champion, and the long-horizon measures add nothing to its churn risk (the holiday moves the 4-week trend only)', () => {
    steady.now.slice(42).forEach((evaluation, index) => {
      expect(isChampionLost(evaluation.signals.champion)).toBe(false);
      expect(evaluation.drivers.find((driver) => driver.measure === 'usage_level')?.score).toBe(100);
      expect(evaluation.snapshot.churnRisk).toBeLessThanOrEqual((steady.then[42 + index]?.snapshot.churnRisk ?? 0) + 0.005);
    });
  });

  it('has no long-horizon opinion for its first 6 weeks, so a young account scores as before', () => {
    expect(steady.now[40]?.signals.usageLevel).toBeNull();
    expect(steady.now[40]?.signals.champion).toBeNull();
    expect(steady.now[40]?.snapshot).toEqual(steady.then[40]?.snapshot);
    expect(steady.now[40]?.drivers.map((driver) => driver.measure)).not.toContain('usage_level');
    expect(steady.now[41]?.signals.usageLevel).not.toBeNull();
  });
});

describe('a lost champion', () => {
  const LEAVES = 70;
  /** u0 does about 45% of the activity and stops on day 70; the others carry on as before. */
  const lost = simulate({ days: 120, usersPerDay: { u0: 12, u1: 5, u2: 4, u3: 3, u4: 2 }, level: (day, user) => (user === 'u0' && day >= LEAVES ? 0 : 1) });

  it('before: unseen, as activity fell 45% and active users 20%, under both drop rules’ thresholds', () => {
    const after = lost.then[LEAVES + 21] as AccountEvaluation;
    expect(after.signals.activityTrend).toBeGreaterThan(0.5);
    expect(after.snapshot.band).toBe('green');
    expect(after.snapshot.segment).not.toBe('at_risk');
  });

  it('now: the champion is named with its share, lost after two weeks, and churn risk rises', () => {
    const after = lost.now[LEAVES + 20] as AccountEvaluation;
    const top = after.signals.champion;
    expect(top).toMatchObject({ userId: 'u0', daysSinceSeen: 21, othersActive14: 4 });
    expect(top?.share).toBeGreaterThan(0.35);
    expect(isChampionLost(top)).toBe(true);
    expect(after.explanations['champion']).toMatch(/^top user u0 \(\d+% of activity\) not seen for 21 days; account activity −\d+% since \(\d+ vs \d+ events\/week\)$/);
    expect(after.drivers.find((driver) => driver.measure === 'champion')?.score).toBeLessThan(50);
    expect(after.snapshot.churnRisk).toBeGreaterThan(2 * (lost.then[LEAVES + 20]?.snapshot.churnRisk ?? 1));
    // Not lost while the absence is short (a holiday).
    expect(isChampionLost(lost.now[LEAVES + 10]?.signals.champion)).toBe(false);
  });

  it('publishes it with the signals (contracts shape)', () => {
    const signals = deriveAccountSignals(lost.state, dayEnd(START + 119), defaultScorecard);
    expect(signals.champion).toMatchObject({ userId: 'u0', lastSeenAt: isoDay(START + LEAVES - 1), daysSinceSeen: 50 });
    expect(signals.usageLevel?.ratio).toBeLessThan(0.75);
  });

  it('a handover that keeps usage up is no lost champion', () => {
    const handover = simulate({
      days: 100,
      usersPerDay: { u0: 10, u1: 5, u2: 4, u3: 3 },
      level: (day, user) => (user === 'u0' ? (day >= LEAVES ? 0 : 1) : day >= LEAVES ? 1.8 : 1),
    });
    const top = handover.now[95]?.signals.champion;
    expect(top?.userId).toBe('u0');
    expect(top?.daysSinceSeen).toBeGreaterThanOrEqual(21);
    expect(isChampionLost(top)).toBe(false);
    expect(handover.now[95]?.drivers.find((driver) => driver.measure === 'champion')?.score).toBe(100);
  });

  it('a user leaving a large account is no lost champion: their share is small', () => {
    const many = Object.fromEntries(Array.from({ length: 20 }, (_, index) => [`u${index}`, index === 0 ? 4 : 2]));
    const large = simulate({ days: 100, usersPerDay: many, level: (day, user) => (user === 'u0' && day >= LEAVES ? 0 : 1) });
    const top = large.now[95]?.signals.champion;
    expect(top?.share).toBeLessThan(0.2);
    expect(isChampionLost(top)).toBe(false);
  });
});

describe('a key feature’s owner lost', () => {
  const LEAVES = 70;
  // u4 alone uses `automation` (its 3 events a day are ~12% of the account's); the rest never do.
  const features = ['reports', 'dashboards', 'integrations'];
  const owner = simulate({
    days: 100,
    usersPerDay: { u0: 6, u1: 5, u2: 5, u3: 4, u4: 3 },
    level: (day, user) => (user === 'u4' && day >= LEAVES ? 0 : 1),
    featureOf: (user, index, n) => (user === 'u4' ? 'automation' : (features[(index + n) % features.length] ?? 'reports')),
  });

  it('names the feature and its owner once they are gone two weeks and its use fell; the champion stays', () => {
    const early = owner.now[LEAVES + 10] as AccountEvaluation;
    expect(early.signals.keyFeatureOwnersLost).toEqual([]);
    const later = owner.now[LEAVES + 20] as AccountEvaluation;
    expect(later.signals.champion?.userId).toBe('u0');
    expect(isChampionLost(later.signals.champion)).toBe(false);
    expect(later.signals.keyFeatureOwnersLost).toMatchObject([{ feature: 'automation', userId: 'u4', share: 1, daysSinceSeen: 21, weeklyUsesSince: 0 }]);
    expect(later.explanations['champion']).toContain('key feature automation: its top user u4 (100% of its use) not seen for 21 days; its use −100% since');
    expect(later.drivers.find((driver) => driver.measure === 'champion')?.score).toBe(70);
    expect(later.snapshot.churnRisk).toBeGreaterThan(owner.then[LEAVES + 20]?.snapshot.churnRisk ?? 1);
  });

  it('is published with the signals', () => {
    const signals = deriveAccountSignals(owner.state, dayEnd(START + 99), defaultScorecard);
    expect(signals.keyFeatureOwnersLost).toMatchObject([{ feature: 'automation', userId: 'u4', lastSeenAt: isoDay(START + LEAVES - 1) }]);
  });

  it('a handover that keeps the feature in use loses nothing; a token one does', () => {
    const takeover = (uses: number) =>
      simulate({
        days: 100,
        usersPerDay: { u0: 6, u1: 5, u2: 5, u3: 4, u4: 3 },
        level: (day, user) => (user === 'u4' && day >= LEAVES ? 0 : 1),
        featureOf: (user, index, n, day) => (user === 'u4' || (user === 'u3' && day >= LEAVES && n < uses) ? 'automation' : (features[(index + n) % features.length] ?? 'reports')),
      }).now[95]?.signals.keyFeatureOwnersLost;
    expect(takeover(3)).toEqual([]);
    expect(takeover(1)?.map((loss) => [loss.feature, loss.userId])).toEqual([['automation', 'u4']]);
  });
});

describe('long-horizon state', () => {
  it('keeps weekly per-user counts within the horizon and caps the users', () => {
    const state = emptyAccountState('acme');
    for (let user = 0; user < MAX_ACTIVITY_USERS + 50; user += 1) {
      for (let n = 0; n <= (user === 0 ? 100 : 0); n += 1) applyEvent(state, event('session.started', START, `user-${user}`));
    }
    expect(Object.keys(state.userWeeklyActivity)).toHaveLength(MAX_ACTIVITY_USERS);
    expect(state.userWeeklyActivity['user-0']?.[weekOf(START)]).toBe(101);
    applyEvent(state, event('session.started', START + 200, 'late'));
    expect(Object.keys(state.userWeeklyActivity)).toEqual(['late']);
  });

  it('upgrades a state stored before it: per-user counts start empty and count from its last event day', () => {
    const stored = JSON.parse(JSON.stringify(emptyAccountState('acme'))) as Record<string, unknown>;
    delete stored['userWeeklyActivity'];
    delete stored['userActivityTrackedSinceDay'];
    stored['lastEventDay'] = START + 30;
    stored['firstEventDay'] = START - 100;
    stored['activityByDay'] = { [START + 30]: 10 };
    const state = upgradeState(stored as unknown as AccountState);
    expect(state.userWeeklyActivity).toEqual({});
    expect(state.userActivityTrackedSinceDay).toBe(START + 30);
    applyEvent(state, event('session.started', START + 31, 'u1'));
    // Six weeks of per-user history are needed before the champion has an opinion.
    expect(championOf(state, START + 40, START + 40)).toBeNull();
    expect(championOf(state, START + 71, START + 71)?.userId).toBe('u1');
    expect(usageLevelOf(state, START + 40)).not.toBeNull();
  });

  it('restarts the usage level at a seat cut: the smaller customer is compared with itself since the cut', () => {
    const state = emptyAccountState('acme');
    applyEvent(state, event('subscription.changed', START, undefined, { plan: 'pro', seats: 10, mrr: 2000, startDate: isoDay(START - 200) }));
    for (let offset = 0; offset < 140; offset += 1) {
      // Ten users until the cut on day 60, then four: use falls to 40 % and stays there.
      const users = offset < 60 ? 10 : 4;
      for (let user = 0; user < users; user += 1) applyEvent(state, event('feature.used', START + offset, `u${user}`, { feature: 'reports' }), defaultScorecard.signals);
      if (offset === 60) applyEvent(state, event('subscription.changed', START + offset, undefined, { seats: 5 }));
    }
    // Without the cut as a restart, 40 % of the old level reads as a long decline.
    expect(usageLevelOf(state, START + 100)?.ratio).toBeLessThan(0.8);
    // With it: no opinion for six weeks after the cut, then the level since the cut.
    expect(usageLevelOf(state, START + 100, START + 60)).toBeNull();
    expect(usageLevelOf(state, START + 120, START + 60)?.ratio).toBeCloseTo(1, 1);
    expect(evaluateAccount(state, dayEnd(START + 120), defaultScorecard).signals.usageLevel?.ratio).toBeCloseTo(1, 1);
  });

  it('measures have no opinion without the signals', () => {
    const bare = evaluateAccount(emptyAccountState('acme'), dayEnd(START), defaultScorecard).signals;
    expect(usageLevelMeasure({ ...bare, usageLevel: null })).toBeNull();
    expect(championMeasure({ ...bare, champion: undefined })).toBeNull();
  });
});
