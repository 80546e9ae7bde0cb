import { ruleConfig, scoreChange, signalChange } from '../score-change.fixture';
import { supportTopicRepeatedRule } from './support-topic-repeated.rule';

const config = ruleConfig({ id: 'support_topic_repeated', severity: 'medium', params: { minCount: 3 } });
const evaluate = (topTopic: { topic: string; count30: number } | null) =>
  supportTopicRepeatedRule.evaluate({ change: signalChange({ support: { topTopic } }), history: [] }, config);

describe('support_topic_repeated', () => {
  it('fires at 3 tickets on one topic in 30 days', () => {
    expect(evaluate({ topic: 'sso', count30: 3 })).toEqual({
      state: 'firing',
      evidence: ['support topic “sso” raised 3 times in the 30 days 2026-02-01 – 2026-03-02 (threshold 3)'],
    });
  });

  it('clears at 2', () => {
    expect(evaluate({ topic: 'sso', count30: 2 })?.state).toBe('clear');
  });

  it('clears without tickets', () => {
    expect(evaluate(null)).toEqual({ state: 'clear', evidence: ['no support topic in the 30 days 2026-02-01 – 2026-03-02'] });
  });

  it('has no opinion without signals', () => {
    expect(supportTopicRepeatedRule.evaluate({ change: scoreChange(), history: [] }, config)).toBeNull();
  });
});
