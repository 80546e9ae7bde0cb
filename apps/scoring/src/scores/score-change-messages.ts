import { Topics, type ScoreChanged } from '@bellwether/contracts';
import type { OutboxMessage } from '@bellwether/platform';

/** A score change goes to the scores topic and, as the latest state, to the compacted topic. */
export function scoreChangeMessages(change: ScoreChanged): OutboxMessage[] {
  const headers = { 'bw-change-id': change.changeId };
  return [
    { topic: Topics.scores, key: change.accountId, payload: change, headers },
    {
      topic: Topics.accountState,
      key: change.accountId,
      payload: { schemaVersion: 1, accountId: change.accountId, sequence: change.sequence, eventTime: change.eventTime, scores: change.after, drivers: change.drivers, reasons: change.reasons },
      headers,
    },
  ];
}
