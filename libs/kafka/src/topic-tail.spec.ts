import { EventEmitter } from 'node:events';
import type { KafkaConnection } from './kafka-connection';
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
