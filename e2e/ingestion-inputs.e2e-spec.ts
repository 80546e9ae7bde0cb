import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { deadLetterTopicOf, Topics, type TelemetryEvent } from '@bellwether/contracts';
import { KafkaConnection, TopicTail } from '@bellwether/kafka';
import { ingestionInputArbitraries, testEnvironment, waitFor } from '@bellwether/testing';
import { Stack } from './stack';

/**
 * Accepted means processable, on the running stack: nasty bodies (lone surrogates, U+0000,
 * non-Latin and long names, every timestamp form, nulls, unknown keys) posted to every ingestion
 * route. Every event a 2xx answer counted is applied by scoring with no dead letter, and nothing
 * else reaches the topic: a 4xx answer publishes nothing.
 */
describe('nasty inputs on every ingestion route against the running services', () => {
  const stack = new Stack(5100);
  let key = '';
  const seed = Date.now();

  beforeAll(async () => {
    await stack.start();
    key = await stack.createKey('ingest');
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('applies every event a 2xx answer accepted, with no DLQ entry, and publishes nothing for a 4xx answer', async () => {
    const nowMs = Date.now();
    // Any event time ingestion accepts, years apart included: scoring never dead-letters for
    // lateness (an event beyond the allowed lateness of its account is recorded, not scored).
    const inputs = ingestionInputArbitraries({ nowMs, pastMs: 3_600_000 });
    const run = randomUUID().slice(0, 8);
    const requests = fc.sample(
      fc.oneof(
        inputs.nativeBatch.map((body) => ({ path: '/v1/events', body })),
        inputs.segmentBatch.map((body) => ({ path: '/v1/batch', body })),
        inputs.singleCall.map(([type, message]) => ({ path: `/v1/${type}`, body: message })),
      ),
      { numRuns: 60, seed },
    );

    let acceptedCount = 0;
    const answers: { path: string; status: number }[] = [];
    const refusedIds = new Set<string>();
    const acceptedIds = new Set<string>();
    for (const { path, body } of requests) {
      // A run tag in each native id and messageId: a rerun must not meet the previous run's ids in Redis.
      const tagged = tagIds(body, run);
      const response = await stack.post(path, tagged, { authorization: `Bearer ${key}` });
      const answer = (await response.json()) as { accepted?: number };
      answers.push({ path, status: response.status });
      expect([200, 202, 400, 413]).toContain(response.status);
      if (response.status < 300) acceptedCount += answer.accepted ?? 0;
      for (const id of idsOf(tagged)) (response.status < 300 ? acceptedIds : refusedIds).add(id);
    }
    // An id may recur across requests (a nasty constant): only ids never in a 2xx body prove a refusal.
    for (const id of acceptedIds) refusedIds.delete(id);
    // The sample is not vacuous: both kinds of answer happened, on both kinds of route.
    expect(answers.some((answer) => answer.status < 300 && answer.path === '/v1/events')).toBe(true);
    expect(answers.some((answer) => answer.status < 300 && answer.path !== '/v1/events')).toBe(true);
    expect(answers.some((answer) => answer.status >= 400)).toBe(true);
    expect(acceptedCount).toBeGreaterThan(0);

    // Everything on the topic, read to the broker's end offsets as they are now (publishing ended with the last answer).
    const connection = new KafkaConnection({ brokers: testEnvironment.kafkaBrokers.split(','), clientId: 'bellwether-e2e-inputs', namespace: stack.namespace });
    const tail = new TopicTail(connection, [Topics.events, deadLetterTopicOf(Topics.events)], { fromBeginning: true });
    let caughtUp = false;
    void tail.caughtUp.then(() => (caughtUp = true));
    await tail.start();
    try {
      await waitFor(() => caughtUp, { description: 'the events topic read to its end', timeoutMs: 30_000 });
      const published = tail.records.filter((record) => record.topic === Topics.events).map((record) => record.value as TelemetryEvent);
      expect(published).toHaveLength(acceptedCount);
      expect(published.filter((event) => refusedIds.has(event.id))).toEqual([]);

      const ids = published.map((event) => event.id);
      const deadLetters = () => tail.records.filter((record) => record.topic === deadLetterTopicOf(Topics.events));
      await waitFor(
        async () => {
          if (deadLetters().length > 0) return true;
          const applied = await stack.db.query('SELECT count(*)::int AS n FROM scoring.processed_events WHERE event_id = ANY($1)', [ids]);
          return (applied.rows[0] as { n: number }).n === ids.length;
        },
        { description: `scoring to apply all ${ids.length} accepted events (seed ${seed})`, timeoutMs: 60_000 },
      );
      expect(deadLetters().map((record) => ({ reason: record.headers['dlq_reason'], value: record.value }))).toEqual([]);
    } finally {
      await tail.stop();
    }
  });
});

/** The body with `<run>-` before every native `id` and Segment `messageId` that is a string. */
function tagIds(body: unknown, run: string): unknown {
  if (typeof body !== 'object' || body === null) return body;
  const tag = (item: unknown, field: string) => {
    if (typeof item !== 'object' || item === null) return item;
    const value = (item as Record<string, unknown>)[field];
    return typeof value === 'string' && value !== '' ? { ...item, [field]: `${run}-${value}` } : item;
  };
  const record = body as Record<string, unknown>;
  if (Array.isArray(record['events'])) return { ...record, events: record['events'].map((event) => tag(event, 'id')) };
  if (Array.isArray(record['batch'])) return { ...record, batch: record['batch'].map((message) => tag(message, 'messageId')) };
  return tag(body, 'messageId');
}

/** The ids a body names (native ids, Segment messageIds), to look for on the topic after a refusal. */
function idsOf(body: unknown): string[] {
  const record = (body ?? {}) as Record<string, unknown>;
  const items = Array.isArray(record['events']) ? record['events'] : Array.isArray(record['batch']) ? record['batch'] : [record];
  return items.flatMap((item: unknown) => {
    const value = (item as Record<string, unknown> | null)?.['id'] ?? (item as Record<string, unknown> | null)?.['messageId'];
    return typeof value === 'string' ? [value] : [];
  });
}
