import { randomUUID } from 'node:crypto';
import { Topics, topicSpecs } from '@bellwether/contracts';
import { defaultRuleSet, type RuleSet } from '@bellwether/alerting-domain';
import { KafkaConnection, MessageProducer } from '@bellwether/kafka';
import { createLogger, HealthRegistry } from '@bellwether/platform';
import { configActivationRecord, testEnvironment, waitFor } from '@bellwether/testing';
import { RuleSetActivations } from './rule-set-activations';

// The activation topic as every alerting replica reads it, on the real broker: not ready (and
// `caughtUp` pending) before the backlog is read; then the timeline holds every valid rule-set
// activation at its effectiveFrom, with a record whose body is not a rule set skipped and
// counted, and scoring's scorecard records on the same topic left alone.

const record = configActivationRecord;

/** The default set with health_dropped's threshold at `dropPoints`. */
const withDropPoints = (version: string, dropPoints: number): RuleSet => ({
  version,
  rules: defaultRuleSet.rules.map((rule) => (rule.id === 'health_dropped' ? { ...rule, params: { ...rule.params, dropPoints } } : rule)),
});
const dropPointsOf = (ruleSet: RuleSet) => ruleSet.rules.find((rule) => rule.id === 'health_dropped')?.params['dropPoints'];

describe('RuleSetActivations on a real broker', () => {
  const connection = new KafkaConnection({ brokers: testEnvironment.kafkaBrokers.split(','), clientId: 'it-rule-set-activations', namespace: `it-${randomUUID().slice(0, 8)}.` });
  const producer = new MessageProducer(connection);

  beforeAll(async () => {
    await connection.ensureTopics(topicSpecs.filter((spec) => spec.name === Topics.configActivations));
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await connection.deleteNamespaceTopics();
  });

  it('is ready once the backlog is read, and evaluates each event time with the rule set in force then', async () => {
    await producer.send(Topics.configActivations, [
      { key: 'rule-set', value: record('rule-set', 'rs-2', { ...withDropPoints('rs-2', 30) }, '2026-03-02T00:00:00.000Z', '2026-03-02T09:00:00.000Z') },
      // Scoring's kind on the same topic: not alerting's.
      { key: 'scorecard', value: record('scorecard', 'cs-2', { version: 'cs-2' }, '2026-03-02T12:00:00.000Z', '2026-03-02T12:00:00.000Z') },
      // Written by something other than the admin API: not a rule set, skipped.
      { key: 'rule-set', value: record('rule-set', 'rs-bad', { version: 'rs-bad', rules: [] }, '2026-03-03T00:00:00.000Z', '2026-03-03T09:00:00.000Z') },
      { key: 'rule-set', value: record('rule-set', 'rs-3', { ...withDropPoints('rs-3', 40) }, '2026-03-04T00:00:00.000Z', '2026-03-04T09:00:00.000Z') },
    ]);
    const health = new HealthRegistry();
    const activations = new RuleSetActivations(connection, defaultRuleSet, health, createLogger('alerting', 'silent'));
    let caughtUp = false;
    void activations.caughtUp.then(() => {
      caughtUp = true;
    });
    expect(activations.timeline().latest.version).toBe(defaultRuleSet.version);
    await activations.onApplicationBootstrap();
    try {
      await waitFor(() => caughtUp, { description: 'the activations backlog read' });
      expect((await health.readiness()).checks['rule-sets']).toEqual({ ok: true, detail: 'in force: rs-3' });
      const timeline = activations.timeline();
      expect(timeline.at('2026-03-01T12:00:00.000Z').version).toBe(defaultRuleSet.version);
      expect(timeline.at('2026-03-02T00:00:00.000Z').version).toBe('rs-2');
      expect(dropPointsOf(timeline.at('2026-03-02T00:00:00.000Z').config)).toBe(30);
      expect(timeline.at('2026-03-03T12:00:00.000Z').version).toBe('rs-2');
      expect(dropPointsOf(timeline.at('2026-03-04T00:00:00.000Z').config)).toBe(40);
      expect(activations.refusedRecords).toBe(1);

      // A later activation reaches the running replica too.
      await producer.send(Topics.configActivations, [{ key: 'rule-set', value: record('rule-set', 'rs-4', { ...withDropPoints('rs-4', 50) }, '2026-03-05T00:00:00.000Z', '2026-03-05T09:00:00.000Z') }]);
      await waitFor(() => activations.timeline().latest.version === 'rs-4', { description: 'the new activation read' });
      expect(activations.timeline().at('2026-03-04T12:00:00.000Z').version).toBe('rs-3');
    } finally {
      await activations.onApplicationShutdown();
    }
  });
});
