import { randomUUID } from 'node:crypto';
import { Topics, topicSpecs, type PipelineWatermark } from '@bellwether/contracts';
import { KafkaConnection, MessageProducer } from '@bellwether/kafka';
import { testEnvironment, waitFor } from '@bellwether/testing';
import { PipelineClock } from './pipeline-clock';

/** The event-mode clock on a real broker: the watermarks topic of its own namespace. */
const namespace = `it-clock-${randomUUID().slice(0, 8)}.`;
const connection = new KafkaConnection({ brokers: testEnvironment.kafkaBrokers.split(','), clientId: 'pipeline-clock-int', namespace });
const producer = new MessageProducer(connection);
const watermark = (at: string): PipelineWatermark => ({ schemaVersion: 1, watermark: at, closedThrough: null });
const publish = (...values: unknown[]) => producer.send(Topics.watermarks, values.map((value) => ({ key: 'pipeline', value })));

beforeAll(async () => {
  await connection.ensureTopics(topicSpecs.filter((spec) => spec.name === Topics.watermarks));
  await producer.connect();
});

afterAll(async () => {
  await producer.disconnect();
  await connection.deleteNamespaceTopics();
});

describe('PipelineClock in event mode, on a real broker', () => {
  it('reads the topic from the beginning, keeps the newest watermark, ignores invalid records, and tells listeners when it advances', async () => {
    // Before it starts: an old value after a newer one (a redelivery) and a record that is not a watermark.
    await publish(watermark('2026-03-10T00:00:00Z'), watermark('2026-03-05T00:00:00Z'), { schemaVersion: 1, watermark: 'soon' });
    const clock = new PipelineClock('event', connection);
    expect(clock.now()).toBeNull();
    const heard: string[] = [];
    clock.onAdvance((at) => heard.push(at));
    clock.onAdvance(() => {
      throw new Error('a listener that fails');
    });
    try {
      await clock.start();
      await waitFor(() => clock.isReady, { description: 'the clock to read the backlog' });
      expect(clock.now()).toBe('2026-03-10T00:00:00.000Z');
      expect(clock.rejectedRecords).toBe(1);
      expect(clock.readiness()).toEqual({ ok: true, detail: 'watermark 2026-03-10T00:00:00.000Z; 1 invalid records ignored' });
      expect(clock.liveness()).toEqual({ ok: true });

      await publish(watermark('2026-03-09T00:00:00Z'), watermark('2026-03-24T00:00:00Z'));
      await waitFor(() => clock.now() === '2026-03-24T00:00:00.000Z', { description: 'the clock to advance to the newer watermark' });
      // The failing listener did not stop the clock nor the other listener; the older value was no advance.
      expect(heard).toEqual(['2026-03-10T00:00:00.000Z', '2026-03-24T00:00:00.000Z']);
    } finally {
      await clock.stop();
    }
  });

  it('in wall mode reads nothing and is the wall clock at once', async () => {
    const pinned = Date.parse('2026-11-30T12:00:00Z');
    const clock = new PipelineClock('wall', connection, () => pinned);
    await clock.start();
    expect(clock.isReady).toBe(true);
    expect(clock.now()).toBe('2026-11-30T12:00:00.000Z');
    expect(clock.readiness()).toEqual({ ok: true, detail: 'wall clock' });
    await clock.stop();
  });
});
