import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Topics } from '@bellwether/contracts';
import { KafkaConnection, MessageProducer } from '@bellwether/kafka';
import { readPipelineState } from './replay';
import { testEnvironment } from './test-environment';

/** The pipeline reader's lag on a real broker: per group, and per group and topic where a group is behind. */
const namespace = `it-pipeline-state-${randomUUID().slice(0, 8)}.`;
const kafka = new KafkaConnection({ brokers: testEnvironment.kafkaBrokers.split(','), clientId: 'pipeline-state-int', namespace });
const producer = new MessageProducer(kafka);
const db = new Client({ connectionString: testEnvironment.databaseUrl });

beforeAll(async () => {
  await db.connect();
  await kafka.ensureTopics([
    { name: Topics.scores, partitions: 1, compacted: false },
    { name: Topics.alerts, partitions: 1, compacted: false },
  ]);
  await producer.connect();
});

afterAll(async () => {
  await producer.disconnect();
  await db.end();
  await kafka.deleteNamespaceTopics();
});

describe('readPipelineState', () => {
  it('says which topic a lagging group is behind on', async () => {
    await producer.send(Topics.scores, [1, 2, 3].map((n) => ({ key: 'acct', value: { n } })));
    await producer.send(Topics.alerts, [1, 2].map((n) => ({ key: 'acct', value: { n } })));
    // The group has read the scores topic up to its last record, the alerts topic not at all.
    const admin = kafka.client.admin();
    await admin.connect();
    try {
      await admin.setOffsets({ groupId: kafka.group('behind'), topic: kafka.topic(Topics.scores), partitions: [{ partition: 0, offset: '3' }] });
    } finally {
      await admin.disconnect();
    }

    const state = await readPipelineState(kafka, db, { behind: [Topics.alerts, Topics.scores], idle: [] });
    expect(state.lagByGroup).toEqual({ behind: 2, idle: 0 });
    expect(state.lagByGroupTopic).toEqual({ behind: { [Topics.alerts]: 2 } });
  });
});
