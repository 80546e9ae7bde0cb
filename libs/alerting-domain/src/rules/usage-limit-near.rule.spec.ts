import type { UsageSignal } from '@bellwether/contracts';
import { ruleConfig, scoreChange, signalChange } from '../score-change.fixture';
import { usageLimitNearRule } from './usage-limit-near.rule';

const config = ruleConfig({ id: 'usage_limit_near', category: 'expansion', severity: 'medium', autoResolve: false, params: { ratio: 0.9, maxAgeDays: 30 } });
const usage = (metric: string, value: number, limit: number, at = '2026-03-01'): UsageSignal => ({ metric, value, limit, ratio: value / limit, at });
const evaluate = (reports: UsageSignal[]) => usageLimitNearRule.evaluate({ change: signalChange({ usage: reports }), history: [] }, config);

describe('usage_limit_near', () => {
  it('fires at 90% of a plan limit, with every metric near it as evidence', () => {
    expect(evaluate([usage('api_calls', 9500, 10_000), usage('projects', 45, 50, '2026-02-20'), usage('storage_gb', 10, 100)])).toEqual({
      state: 'firing',
      evidence: [
        'why now: api_calls at 9,500 of 10,000 (95%) reported on 2026-03-01; projects at 45 of 50 (90%) reported on 2026-02-20 (threshold 90%)',
        'the account is about to hit its plan limit — propose the next tier before it blocks them',
      ],
    });
  });

  it('clears just below 90%', () => {
    expect(evaluate([usage('projects', 899, 1000)])).toEqual({ state: 'clear', evidence: ['highest usage: projects at 899 of 1,000 (90%) reported on 2026-03-01 (threshold 90%)'] });
  });

  it('ignores reports 30 days old or more', () => {
    expect(evaluate([usage('projects', 50, 50, '2026-02-01')])?.state).toBe('firing');
    expect(evaluate([usage('projects', 50, 50, '2026-01-31')])).toEqual({ state: 'clear', evidence: ['no usage against a limit reported in the 30 days to 2026-03-02'] });
  });

  it('has no opinion without signals', () => {
    expect(usageLimitNearRule.evaluate({ change: scoreChange(), history: [] }, config)).toBeNull();
  });
});
