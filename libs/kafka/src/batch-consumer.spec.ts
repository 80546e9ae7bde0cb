import { EventEmitter } from 'node:events';
import { BatchConsumer } from './batch-consumer';
import { FETCH_MAX_WAIT_MS, type KafkaConnection } from './kafka-connection';
import type { MessageProducer } from './message-producer';
import { waitFor } from '@bellwether/testing';

/** The parts of a kafkajs consumer BatchConsumer uses, with its instrumentation events. */
class FakeConsumer extends EventEmitter {
  readonly events = { FETCH_START: 'fetch_start', HEARTBEAT: 'heartbeat', GROUP_JOIN: 'group_join', CRASH: 'crash' };
  readonly connect = jest.fn(async () => undefined);
  readonly subscribe = jest.fn(async () => undefined);
  readonly disconnect = jest.fn(async () => undefined);
  readonly run = jest.fn(async () => {
    if (this.failRun === 'throws') throw new Error('broker unreachable');
    // kafkajs reports a join that fails for good as a crash before `run` returns, not as an error of `run`.
    if (this.failRun === 'crashes') this.crash(Object.assign(new Error('The coordinator is not aware of this member'), { type: 'UNKNOWN_MEMBER_ID' }), false);
    else this.emit(this.events.GROUP_JOIN, { payload: {} });
  });
  constructor(readonly failRun: 'throws' | 'crashes' | false) {
    super();
  }
  crash(error: Error, restart: boolean): void {
    this.emit(this.events.CRASH, { payload: { error, groupId: 'g', restart } });
  }
}

/**
 * A connection whose client hands out fake consumers; `failFrom` makes every consumer from that
 * index on fail to run (`failAs`: `run` throws, or the member crashes while joining), until `failUntil`.
 */
function fakeConnection(options: { failFrom?: number; failUntil?: number; failAs?: 'throws' | 'crashes' } = {}): { connection: KafkaConnection; consumers: FakeConsumer[] } {
  const consumers: FakeConsumer[] = [];
  const configs: unknown[] = [];
  const client = {
    configs,
    consumer: (config: unknown) => {
      configs.push(config);
      const index = consumers.length;
      const fails = options.failFrom !== undefined && index >= options.failFrom && index < (options.failUntil ?? Infinity);
      const consumer = new FakeConsumer(fails ? (options.failAs ?? 'throws') : false);
      consumers.push(consumer);
      return consumer;
    },
  };
  const connection = { client, group: (id: string) => id, topic: (name: string) => name, logicalTopic: (name: string) => name } as unknown as KafkaConnection;
  return { connection, consumers };
}

const silentLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function consumerOn(connection: KafkaConnection, onGaveUp?: (error: unknown) => void, now?: () => number): BatchConsumer<unknown> {
  return new BatchConsumer(connection, {
    groupId: 'g',
    decoders: { t: (value) => ({ ok: true, value }) },
    handle: async () => undefined,
    deadLetters: {} as MessageProducer,
    logger: silentLogger,
    backoff: { initialMs: 1, maxMs: 5, factor: 2 },
    restartAttempts: 3,
    onGaveUp,
    now,
  });
}

describe('BatchConsumer after a crash', () => {
  it('rejoins with a new consumer when kafkajs will not restart the crashed one', async () => {
    const { connection, consumers } = fakeConnection();
    const consumer = consumerOn(connection);
    await consumer.start();
    consumers[0]?.crash(Object.assign(new Error('The coordinator is not aware of this member'), { type: 'UNKNOWN_MEMBER_ID' }), false);
    expect(consumer.health()).toMatchObject({ healthy: false, live: true });
    await waitFor(() => consumers[1]?.run.mock.calls.length === 1, { description: 'a new consumer running', timeoutMs: 5000 });
    expect(consumers[0]?.disconnect).toHaveBeenCalled();
    expect(consumers[1]?.subscribe).toHaveBeenCalledWith({ topic: 't', fromBeginning: true });
    expect(consumer.health()).toMatchObject({ healthy: true, live: true });
    await consumer.stop();
    expect(consumers[1]?.disconnect).toHaveBeenCalled();
  });

  it('leaves the restart to kafkajs when it restarts by itself', async () => {
    const { connection, consumers } = fakeConnection();
    const consumer = consumerOn(connection);
    await consumer.start();
    consumers[0]?.crash(new Error('KafkaJSNumberOfRetriesExceeded'), true);
    expect(consumer.health().healthy).toBe(false);
    consumers[0]?.emit('group_join', { payload: {} });
    expect(consumer.health()).toMatchObject({ healthy: true, live: true });
    expect(consumers).toHaveLength(1);
    await consumer.stop();
  });

  it('gives up after the configured restarts fail: not live, and the service is told to exit', async () => {
    const { connection, consumers } = fakeConnection({ failFrom: 1 });
    const gaveUp = jest.fn();
    const consumer = consumerOn(connection, gaveUp);
    await consumer.start();
    consumers[0]?.crash(new Error('The coordinator is not aware of this member'), false);
    await waitFor(() => gaveUp.mock.calls.length === 1, { description: 'the consumer to give up', timeoutMs: 5000 });
    expect(consumers).toHaveLength(4);
    expect(String(gaveUp.mock.calls[0]?.[0])).toContain('broker unreachable');
    expect(consumer.health()).toMatchObject({ healthy: false, live: false });
  });

  it('keeps restarting when the new member crashes while it joins, instead of staying up without consuming', async () => {
    // Members 1 and 2 crash (restart: false) inside `run`; member 3 joins.
    const { connection, consumers } = fakeConnection({ failFrom: 1, failUntil: 3, failAs: 'crashes' });
    const gaveUp = jest.fn();
    const consumer = consumerOn(connection, gaveUp);
    await consumer.start();
    consumers[0]?.crash(new Error('The coordinator is not aware of this member'), false);
    await waitFor(() => consumers[3]?.run.mock.calls.length === 1, { description: 'a fourth member running', timeoutMs: 5000 });
    await waitFor(() => consumer.health().healthy, { description: 'the loop ready again', timeoutMs: 5000 });
    expect(gaveUp).not.toHaveBeenCalled();
    expect(consumers).toHaveLength(4);
    await consumer.stop();
  });

  it('gives up when every new member crashes while it joins: not live, and the service is told to exit', async () => {
    const { connection, consumers } = fakeConnection({ failFrom: 1, failAs: 'crashes' });
    const gaveUp = jest.fn();
    const consumer = consumerOn(connection, gaveUp);
    await consumer.start();
    consumers[0]?.crash(new Error('The coordinator is not aware of this member'), false);
    await waitFor(() => gaveUp.mock.calls.length === 1, { description: 'the consumer to give up', timeoutMs: 5000 });
    expect(consumers).toHaveLength(4);
    expect(consumer.health()).toMatchObject({ healthy: false, live: false });
  });

  it('recovers from a crash kafkajs will not restart that comes while the loop starts', async () => {
    const { connection, consumers } = fakeConnection({ failFrom: 0, failUntil: 1, failAs: 'crashes' });
    const consumer = consumerOn(connection);
    await consumer.start();
    await waitFor(() => consumers[1]?.run.mock.calls.length === 1, { description: 'a second member running', timeoutMs: 5000 });
    await waitFor(() => consumer.health().healthy, { description: 'the loop ready', timeoutMs: 5000 });
    await consumer.stop();
  });

  it('reads its clock from the `now` option: stall limits follow a pinned clock', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { connection } = fakeConnection();
    const consumer = consumerOn(connection, undefined, () => now);
    await consumer.start();
    expect(consumer.health()).toMatchObject({ healthy: true, live: true });
    now += 121_000;
    expect(consumer.health()).toMatchObject({ healthy: false, live: false });
    await consumer.stop();
  });
});

describe('BatchConsumer fetches', () => {
  it('asks the broker to hold an empty fetch at most FETCH_MAX_WAIT_MS, so a stop does not wait kafkajs\' default 5 s for it', async () => {
    const { connection } = fakeConnection();
    const consumer = consumerOn(connection);
    await consumer.start();
    expect((connection.client as unknown as { configs: unknown[] }).configs).toEqual([expect.objectContaining({ maxWaitTimeInMs: FETCH_MAX_WAIT_MS })]);
    await consumer.stop();
  });
});
