import { EventEmitter } from 'node:events';
import { BatchConsumer } from './batch-consumer';
import type { KafkaConnection } from './kafka-connection';
import type { MessageProducer } from './message-producer';
import { waitFor } from '@bellwether/testing';

/** The parts of a kafkajs consumer BatchConsumer uses, with its instrumentation events. */
class FakeConsumer extends EventEmitter {
  readonly events = { FETCH_START: 'fetch_start', HEARTBEAT: 'heartbeat', GROUP_JOIN: 'group_join', CRASH: 'crash' };
  readonly connect = jest.fn(async () => undefined);
  readonly subscribe = jest.fn(async () => undefined);
  readonly disconnect = jest.fn(async () => undefined);
  readonly run = jest.fn(async () => {
    if (this.failRun) throw new Error('broker unreachable');
    this.emit(this.events.GROUP_JOIN, { payload: {} });
  });
  constructor(readonly failRun: boolean) {
    super();
  }
  crash(error: Error, restart: boolean): void {
    this.emit(this.events.CRASH, { payload: { error, groupId: 'g', restart } });
  }
}

/** A connection whose client hands out fake consumers; `failFrom` makes every consumer after the first fail to run. */
function fakeConnection(options: { failFrom?: number } = {}): { connection: KafkaConnection; consumers: FakeConsumer[] } {
  const consumers: FakeConsumer[] = [];
  const client = {
    consumer: () => {
      const consumer = new FakeConsumer(options.failFrom !== undefined && consumers.length >= options.failFrom);
      consumers.push(consumer);
      return consumer;
    },
  };
  const connection = { client, group: (id: string) => id, topic: (name: string) => name, logicalTopic: (name: string) => name } as unknown as KafkaConnection;
  return { connection, consumers };
}

const silentLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function consumerOn(connection: KafkaConnection, onGaveUp?: (error: unknown) => void): BatchConsumer<unknown> {
  return new BatchConsumer(connection, {
    groupId: 'g',
    decoders: { t: (value) => ({ ok: true, value }) },
    handle: async () => undefined,
    deadLetters: {} as MessageProducer,
    logger: silentLogger,
    backoff: { initialMs: 1, maxMs: 5, factor: 2 },
    restartAttempts: 3,
    onGaveUp,
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
});
