import { EventEmitter } from 'node:events';
import { FETCH_MAX_WAIT_MS, type KafkaConnection } from './kafka-connection';
import { TopicTail } from './topic-tail';

/** The parts of a kafkajs consumer TopicTail uses, with its CRASH instrumentation event. */
class FakeConsumer extends EventEmitter {
  readonly events = { CRASH: 'crash' };
  crash(error: Error, restart: boolean): void {
    this.emit(this.events.CRASH, { payload: { error, groupId: 'g', restart } });
  }
}

function tailOnFakeConsumer(): { tail: TopicTail; consumer: FakeConsumer } {
  const consumer = new FakeConsumer();
  const connection = { client: { consumer: () => consumer }, group: (id: string) => id } as unknown as KafkaConnection;
  return { tail: new TopicTail(connection, ['t'], { fromBeginning: false, retain: false }), consumer };
}

describe('TopicTail liveness', () => {
  it('stays live while kafkajs restarts a crashed reader itself', () => {
    const { tail, consumer } = tailOnFakeConsumer();
    consumer.crash(new Error('Connection timeout'), true);
    expect(tail.liveness()).toEqual({ ok: true });
  });

  it('is not live once kafkajs crashed the reader without a restart, naming the error', () => {
    const { tail, consumer } = tailOnFakeConsumer();
    consumer.crash(new Error('The coordinator is not aware of this member'), false);
    expect(tail.liveness()).toEqual({ ok: false, detail: 'topic reader crashed without restart: The coordinator is not aware of this member' });
  });
});

describe('TopicTail fetches', () => {
  it('asks the broker to hold an empty fetch at most FETCH_MAX_WAIT_MS (500), not kafkajs\' 5,000, so a stop does not wait seconds for it', () => {
    const configs: unknown[] = [];
    const connection = { client: { consumer: (config: unknown) => (configs.push(config), new FakeConsumer()) }, group: (id: string) => id } as unknown as KafkaConnection;
    new TopicTail(connection, ['t'], { fromBeginning: false, retain: false });
    expect(FETCH_MAX_WAIT_MS).toBe(500);
    expect(configs).toEqual([expect.objectContaining({ maxWaitTimeInMs: FETCH_MAX_WAIT_MS })]);
  });
});
