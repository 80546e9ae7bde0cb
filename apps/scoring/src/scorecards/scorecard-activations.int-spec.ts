import { randomUUID } from 'node:crypto';
import { type ConfigActivationRecord, Topics, topicSpecs } from '@bellwether/contracts';
import { KafkaConnection, MessageProducer } from '@bellwether/kafka';
import { createLogger, HealthRegistry } from '@bellwether/platform';
import { defaultScorecard } from '@bellwether/scoring-domain';
import { configActivationRecord, testEnvironment, waitFor } from '@bellwether/testing';
import { ScorecardActivations } from './scorecard-activations';

// The activation topic as every scoring replica reads it, on the real broker: not ready (and
// `caughtUp` pending) before the backlog is read; then the timeline holds every valid activation
// at its effectiveFrom, with a record whose body is not a scorecard skipped and counted.

const record = (version: string, body: Record<string, unknown>, effectiveFrom: string, activatedAt: string): ConfigActivationRecord =>
  configActivationRecord('scorecard', version, body, effectiveFrom, activatedAt);

describe('ScorecardActivations on a real broker', () => {
  const connection = new KafkaConnection({ brokers: testEnvironment.kafkaBrokers.split(','), clientId: 'it-scorecard-activations', namespace: `it-${randomUUID().slice(0, 8)}.` });
  const producer = new MessageProducer(connection);

  beforeAll(async () => {
    await connection.ensureTopics(topicSpecs.filter((spec) => spec.name === Topics.configActivations));
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await connection.deleteNamespaceTopics();
  });

  it('is ready once the backlog is read, and evaluates each event time with the scorecard in force then', async () => {
    await producer.send(Topics.configActivations, [
      { key: 'scorecard', value: record('cs-2', { version: 'cs-2', weights: { billing: 40 } }, '2026-03-02T00:00:00.000Z', '2026-03-02T09:00:00.000Z') },
      // Written by something other than the admin API: not a scorecard, skipped.
      { key: 'scorecard', value: record('cs-bad', { version: 'cs-bad', weights: { billing: -1 } }, '2026-03-03T00:00:00.000Z', '2026-03-03T09:00:00.000Z') },
      { key: 'scorecard', value: record('cs-3', { version: 'cs-3' }, '2026-03-04T00:00:00.000Z', '2026-03-04T09:00:00.000Z') },
    ]);
    const health = new HealthRegistry();
    const activations = new ScorecardActivations(connection, defaultScorecard, health, createLogger('scoring', 'silent'));
    let caughtUp = false;
    void activations.caughtUp.then(() => {
      caughtUp = true;
    });
    expect(activations.timeline().latest.version).toBe(defaultScorecard.version);
    await activations.onApplicationBootstrap();
    try {
      await waitFor(() => caughtUp, { description: 'the activations backlog read' });
      expect((await health.readiness()).checks['scorecards']).toEqual({ ok: true, detail: 'in force: cs-3' });
      const timeline = activations.timeline();
      expect(timeline.at('2026-03-01T12:00:00.000Z').version).toBe(defaultScorecard.version);
      expect(timeline.at('2026-03-02T00:00:00.000Z').version).toBe('cs-2');
      expect(timeline.at('2026-03-02T00:00:00.000Z').weights.billing).toBe(40);
      expect(timeline.at('2026-03-03T12:00:00.000Z').version).toBe('cs-2');
      expect(timeline.at('2026-03-04T00:00:00.000Z').version).toBe('cs-3');
      expect(activations.refusedRecords).toBe(1);

      // A later activation reaches the running replica too.
      await producer.send(Topics.configActivations, [{ key: 'scorecard', value: record('cs-4', { version: 'cs-4' }, '2026-03-05T00:00:00.000Z', '2026-03-05T09:00:00.000Z') }]);
      await waitFor(() => activations.timeline().latest.version === 'cs-4', { description: 'the new activation read' });
      expect(activations.timeline().at('2026-03-04T12:00:00.000Z').version).toBe('cs-3');
    } finally {
      await activations.onApplicationShutdown();
    }
  });
});
