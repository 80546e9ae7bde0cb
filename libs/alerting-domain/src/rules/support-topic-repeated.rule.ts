import { param } from './evidence.util';
import { signalRule } from './signal-rule.util';
import { windowText } from '../time.util';

/** Risk: the same support topic raised at least `minCount` times in 30 days (the top topic). */
export const supportTopicRepeatedRule = signalRule('support_topic_repeated', ['minCount'], (signals, change, config) => {
  const { topTopic } = signals.support;
  const minCount = param(config.params, 'minCount', 3);
  const window = windowText(change.eventTime, 30);
  if (topTopic === null) return { state: 'clear', evidence: [`no support topic in ${window}`] };
  const line = `support topic “${topTopic.topic}” raised ${topTopic.count30} times in ${window} (threshold ${minCount})`;
  return { state: topTopic.count30 >= minCount ? 'firing' : 'clear', evidence: [line] };
});
