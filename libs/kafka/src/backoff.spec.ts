import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  const policy = { initialMs: 100, maxMs: 1000, factor: 2 };
  const noJitter = () => 0.5;

  it('doubles from the initial delay', () => {
    expect([1, 2, 3].map((attempt) => backoffDelay(policy, attempt, noJitter))).toEqual([100, 200, 400]);
  });

  it('never exceeds the cap', () => {
    expect(backoffDelay(policy, 30, noJitter)).toBe(1000);
  });

  it('jitters within ±20%', () => {
    expect(backoffDelay(policy, 1, () => 0)).toBe(80);
    expect(backoffDelay(policy, 1, () => 1)).toBe(120);
  });
});
