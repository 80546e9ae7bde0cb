import { type OnboardingRecord } from './kpi.types';
import { onboardingCompletionRate } from './onboarding.kpi';

const ASOF = '2026-04-01T00:00:00.000Z';
const onboarding = (accountId: string, dueAt: string, completedAt: string | null): OnboardingRecord => ({ accountId, startedAt: '2025-12-01T00:00:00.000Z', dueAt, completedAt });

describe('onboardingCompletionRate', () => {
  it('is the share of decided onboardings completed by their due date', () => {
    const records = [
      onboarding('1', '2026-03-01T00:00:00.000Z', '2026-02-20T00:00:00.000Z'), // on time → counts
      onboarding('2', '2026-03-10T00:00:00.000Z', '2026-03-15T00:00:00.000Z'), // late → decided, not counted
      onboarding('3', '2026-03-20T00:00:00.000Z', null), // overdue → decided, not counted
      onboarding('4', '2026-04-10T00:00:00.000Z', '2026-03-25T00:00:00.000Z'), // done early, not yet due → counts
      onboarding('5', '2026-04-20T00:00:00.000Z', null), // under way → pending
      onboarding('6', '2026-04-20T00:00:00.000Z', '2026-04-05T00:00:00.000Z'), // completes after asOf → pending
    ];
    // Decided: 1, 2, 3, 4 → n = 4; completed on time: 1, 4 → 2 / 4 = 0.5 < 0.9 target.
    expect(onboardingCompletionRate(records, ASOF)).toEqual({ value: 0.5, n: 4, count: 2, pending: 2, target: 0.9, meetsTarget: false });
  });

  it('counts a completion at the due instant and meets the target at 100 %', () => {
    const records = [onboarding('1', '2026-03-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z')];
    expect(onboardingCompletionRate(records, ASOF)).toMatchObject({ value: 1, n: 1, meetsTarget: true });
  });

  it('is null with nothing decided', () => {
    expect(onboardingCompletionRate([], ASOF)).toEqual({ value: null, n: 0, count: 0, pending: 0, target: 0.9, meetsTarget: null });
    expect(onboardingCompletionRate([onboarding('5', '2026-04-20T00:00:00.000Z', null)], ASOF)).toMatchObject({ value: null, n: 0, pending: 1 });
  });

  it('rejects unparseable times', () => {
    expect(() => onboardingCompletionRate([onboarding('x', 'soon', null)], ASOF)).toThrow(RangeError);
  });
});
