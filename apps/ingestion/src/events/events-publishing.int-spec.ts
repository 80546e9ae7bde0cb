import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import { Topics } from '@bellwether/contracts';
import { KafkaConnection, MessageProducer, TopicTail } from '@bellwether/kafka';
import { createLogger, loadEnv, REDIS_CLIENT } from '@bellwether/platform';
import { resetTestDatabase, testEnvironment, waitFor } from '@bellwether/testing';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { startIngestion } from '../ingestion.app';
import { IngestionEnv } from '../ingestion.env';

/** Topics and groups of this run only (see KAFKA_NAMESPACE). */
const namespace = `it-pub-${randomUUID().slice(0, 8)}.`;
const offset = Number(process.env['E2E_PORT_OFFSET'] ?? 0);

async function boot(port: number, overrides: Record<string, string> = {}): Promise<NestFastifyApplication> {
  const env = loadEnv(IngestionEnv, {
    KAFKA_BROKERS: testEnvironment.kafkaBrokers,
    DATABASE_URL: testEnvironment.databaseUrl,
    REDIS_URL: testEnvironment.redisUrl,
    CLOCK_MODE: 'event',
    PORT: String(port),
    API_KEY_CACHE_SECONDS: '0',
    RATE_LIMIT_PER_SECOND: '1000',
    RATE_LIMIT_BURST: '5000',
    KAFKA_NAMESPACE: namespace,
    ...overrides,
  });
  return startIngestion(env, createLogger('ingestion-test', 'silent'));
}

/**
 * The real producer's sends of events, spied on at the MessageProducer boundary and held at the
 * first until `release`: what arrives meanwhile is known to be waiting, whatever the machine's
 * speed. Other topics' sends pass: the outbox relay shares the producer (it publishes the API key
 * made in `beforeAll` whenever its poll comes), and holding its send would hold its transaction,
 * and with it the schema the next suite's reset drops.
 */
function holdFirstSend(producer: MessageProducer) {
  // Events leave serialized (`sendSerialized`); `send` ends there too, so every send passes here.
  const original = producer.sendSerialized.bind(producer);
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const sizes: number[] = [];
  const spy = jest.spyOn(producer, 'sendSerialized').mockImplementation(async (topic, records, options) => {
    if (topic !== Topics.events) return original(topic, records, options);
    sizes.push(records.length);
    if (sizes.length === 1) await gate;
    return original(topic, records, options);
  });
  return { sizes, release: () => release(), restore: () => spy.mockRestore() };
}

const now = () => new Date().toISOString();

describe('POST /v1/events: shared sends, one Redis round trip, the answer before the dedup write', () => {
  const port = 4312 + offset;
  const url = `http://127.0.0.1:${port}`;
  const kafka = new KafkaConnection({ brokers: testEnvironment.kafkaBrokers.split(','), clientId: 'ingestion-publishing-int', namespace });
  const observer = new Redis(testEnvironment.redisUrl);
  let app: NestFastifyApplication;
  let tail: TopicTail;
  let key = '';

  const post = (events: object[]) =>
    fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ events }) });
  const batch = (accountId: string, size: number) => Array.from({ length: size }, (_, n) => ({ id: `evt_${randomUUID()}`, type: 'feature.used', accountId, timestamp: now(), properties: { n } }));
  const publishedOn = (accountId: string) => tail.records.filter((record) => record.topic === Topics.events && record.key === accountId).map((record) => (record.value as { id: string }).id);
  const queuedRecords = async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const line = text.split('\n').find((row) => row.startsWith('bellwether_kafka_coalescer_queued_records{') && row.includes(`topic="${Topics.events}"`));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  };

  beforeAll(async () => {
    await resetTestDatabase();
    app = await boot(port);
    key = (await app.get(ApiKeysService).create({ name: 'int-publishing', scopes: ['ingest'] })).key;
    tail = new TopicTail(kafka, [Topics.events]);
    await tail.start();
  });

  afterAll(async () => {
    await observer.call('CLIENT', 'UNPAUSE').catch(() => undefined);
    observer.disconnect();
    await tail?.stop();
    await app?.close();
    await kafka.deleteNamespaceTopics();
  });

  it('merges the events of requests that arrive during a send into one producer send, each request in its order', async () => {
    const held = holdFirstSend(app.get(MessageProducer));
    try {
      const accounts = Array.from({ length: 6 }, () => `acct-${randomUUID()}`);
      const batches = accounts.map((accountId) => batch(accountId, 20));
      const first = post(batches[0] ?? []);
      await waitFor(() => held.sizes.length === 1, { description: 'the first request’s send' });
      const rest = batches.slice(1).map((events) => post(events));
      await waitFor(async () => (await queuedRecords()) === 5 * 20, { description: 'the other five requests waiting for a send' });
      held.release();
      const answers = await Promise.all([first, ...rest]);
      expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202, 202]);
      expect(await Promise.all(answers.map((answer) => answer.json()))).toEqual(accounts.map(() => ({ accepted: 20, duplicates: 0 })));
      expect(held.sizes).toEqual([20, 5 * 20]);
      await waitFor(() => accounts.every((accountId) => publishedOn(accountId).length === 20), { description: 'every event on the topic' });
      accounts.forEach((accountId, index) => expect(publishedOn(accountId)).toEqual(batches[index]?.map((event) => event.id)));
    } finally {
      held.restore();
    }
  });

  it('makes one Redis round trip for the rate limit and the dedup check before publishing (besides the auth-failure throttle’s)', async () => {
    const redis = app.get<Redis>(REDIS_CLIENT);
    const commands: string[] = [];
    const original = redis.sendCommand.bind(redis);
    const sendCommand = jest.spyOn(redis, 'sendCommand').mockImplementation((command, stream) => {
      commands.push([command.name, ...command.args.map((arg) => (Buffer.isBuffer(arg) ? '<bytes>' : String(arg)))].join(' '));
      return original(command, stream);
    });
    const held = holdFirstSend(app.get(MessageProducer));
    try {
      const events = batch(`acct-${randomUUID()}`, 3);
      const answer = post(events);
      await waitFor(() => held.sizes.length === 1, { description: 'the send' });
      const beforePublishing = [...commands];
      held.release();
      expect((await answer).status).toBe(202);
      expect(beforePublishing).toHaveLength(2);
      expect(beforePublishing[0]).toMatch(/ratelimit:authfail:/);
      const admission = beforePublishing[1] ?? '';
      expect(admission).toMatch(/ratelimit:\S+/);
      for (const event of events) expect(admission).toContain(`dedup:${event.id}`);
    } finally {
      held.restore();
      sendCommand.mockRestore();
    }
  });

  it('answers 202 while the dedup write is still pending, and the write lands afterwards', async () => {
    const events = batch(`acct-${randomUUID()}`, 2);
    const dedupKeys = events.map((event) => `bw:ingestion:dedup:${event.id}`);
    const held = holdFirstSend(app.get(MessageProducer));
    try {
      const answer = post(events);
      // Past the admission script (a write: it spends the allowance), inside the producer send.
      await waitFor(() => held.sizes.length === 1, { description: 'the send' });
      // Every client's writes wait from here (reads go on), up to 30 s; the old code answered only after the write.
      await observer.call('CLIENT', 'PAUSE', '30000', 'WRITE');
      held.release();
      const response = await answer;
      expect(response.status).toBe(202);
      expect(await observer.exists(...dedupKeys)).toBe(0);
    } finally {
      await observer.call('CLIENT', 'UNPAUSE');
      held.restore();
    }
    await waitFor(async () => (await observer.exists(...dedupKeys)) === 2, { description: 'the dedup write' });
    const retry = await post(events);
    expect(await retry.json()).toEqual({ accepted: 0, duplicates: 2 });
  });

  // Last in this block: it closes the service's Redis client for good.
  it('without Redis: publishes unchecked, counts the failed check and the failed write, and leaves no unhandled rejection', async () => {
    const metric = async (name: string) => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const line = text.split('\n').find((row) => row.startsWith(`${name} `) || row.startsWith(`${name}{`));
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const [dedupBefore, limiterBefore] = [await metric('bellwether_ingest_dedup_unavailable_total'), await metric('bellwether_ingest_rate_limiter_unavailable_total')];
      app.get<Redis>(REDIS_CLIENT).disconnect();
      const events = batch(`acct-${randomUUID()}`, 2);
      const response = await post(events);
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({ accepted: 2, duplicates: 0 });
      await waitFor(async () => (await metric('bellwether_ingest_dedup_unavailable_total')) === dedupBefore + 2, { description: 'the failed check and the failed write counted' });
      expect(await metric('bellwether_ingest_rate_limiter_unavailable_total')).toBe(limiterBefore + 1);
      await waitFor(() => publishedOn(events[0]?.accountId ?? '').length === 2, { description: 'the events on the topic' });
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('POST /v1/events: the rate limit spent in the handler', () => {
  const port = 4313 + offset;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await boot(port, { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '2' });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('spends the allowance on refused batches too, and answers 429 with Retry-After over it, valid or not', async () => {
    const { key } = await app.get(ApiKeysService).create({ name: 'int-limited-in-handler', scopes: ['ingest'] });
    const send = (events: unknown) =>
      fetch(`http://127.0.0.1:${port}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ events }) });
    const valid = () => [{ id: `evt_${randomUUID()}`, type: 'session.started', accountId: 'limited', timestamp: now() }];
    const answers: Response[] = [];
    // The burst allows about two at once; the refill (1/s) may add one, so send until two 429s.
    for (let attempt = 0; attempt < 10 && answers.filter((answer) => answer.status === 429).length < 2; attempt += 1) {
      answers.push(await send(attempt % 2 === 0 ? [{ id: '' }] : valid()));
    }
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.slice(0, 2)).toEqual([400, 202]);
    const limited = answers.filter((answer) => answer.status === 429);
    expect(limited).toHaveLength(2);
    for (const answer of answers) expect(answer.headers.get('ratelimit-limit')).toBe('2');
    for (const answer of limited) {
      expect(answer.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      expect(answer.headers.get('ratelimit-remaining')).toBe('0');
    }
  });
});
