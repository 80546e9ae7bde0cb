import type { AccountSignals } from '@bellwether/contracts';
import { championLostRule } from './champion-lost.rule';
import { ruleConfig, scoreChange, signalChange } from '../score-change.fixture';

const config = ruleConfig({ id: 'champion_lost', severity: 'high', params: { minShare: 0.25, minDaysUnseen: 21, minOthersActive: 1, maxActivityKept: 0.85 } });
type Champion = NonNullable<AccountSignals['champion']>;
const gone: Champion = { userId: 'u_42', share: 0.38, events: 520, lastSeenAt: '2026-02-09', daysSinceSeen: 21, othersActive14: 4, weeklyBefore: 48, weeklySince: 30 };
const evaluate = (overrides: Partial<Champion>) => championLostRule.evaluate({ change: signalChange({ champion: { ...gone, ...overrides } }), history: [] }, config);

describe('champion_lost', () => {
  it('fires when a top user is gone for 3 weeks, others stay, and activity fell; the evidence names the numbers', () => {
    expect(evaluate({})).toEqual({
      state: 'firing',
      evidence: [
        'top user u_42 (38% of activity over 13 weeks) not seen for 21 days (last 2026-02-09); 4 other users active in 14 days',
        'account activity since: 30 events a week vs 48 in the 4 weeks before (−37%; alert at −15% or lower)',
      ],
    });
  });

  it('clears for a short absence (a holiday), a small share (a large account), or when nobody else is left', () => {
    expect(evaluate({ daysSinceSeen: 20 })?.state).toBe('clear');
    expect(evaluate({ share: 0.24 })?.state).toBe('clear');
    expect(evaluate({ othersActive14: 0 })?.state).toBe('clear');
  });

  it('clears when usage held up after they left (a handover)', () => {
    expect(evaluate({ weeklySince: 41 })?.state).toBe('clear');
    expect(evaluate({ weeklySince: 40.8 })?.state).toBe('firing');
  });

  it('clears while the champion is around', () => {
    expect(evaluate({ daysSinceSeen: 1, weeklySince: null })).toEqual({
      state: 'clear',
      evidence: ['top user u_42 (38% of activity over 13 weeks) not seen for 1 day (last 2026-02-09); 4 other users active in 14 days'],
    });
  });

  it('fires for a key feature whose owner is gone, naming the feature, even when the top user stays', () => {
    const verdict = championLostRule.evaluate(
      {
        change: signalChange({
          champion: { ...gone, daysSinceSeen: 2, weeklySince: null },
          keyFeatureOwnersLost: [{ feature: 'automation', userId: 'u_7', share: 0.8, lastSeenAt: '2026-02-07', daysSinceSeen: 23, weeklyUsesBefore: 20, weeklyUsesSince: 4 }],
        }),
        history: [],
      },
      config,
    );
    expect(verdict?.state).toBe('firing');
    expect(verdict?.evidence[1]).toBe('key feature automation: its top user u_7 (80% of its use) not seen for 23 days (last 2026-02-07); its use 4 a week since vs 20 before (−80%)');
    const early = championLostRule.evaluate(
      { change: signalChange({ keyFeatureOwnersLost: [{ feature: 'automation', userId: 'u_7', share: 0.8, lastSeenAt: '2026-02-14', daysSinceSeen: 16, weeklyUsesBefore: 20, weeklyUsesSince: 4 }] }), history: [] },
      config,
    );
    expect(early?.state).toBe('clear');
  });

  it('has no opinion without the signal', () => {
    expect(championLostRule.evaluate({ change: signalChange({ champion: null }), history: [] }, config)).toBeNull();
    expect(championLostRule.evaluate({ change: scoreChange(), history: [] }, config)).toBeNull();
  });
});
