import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { type ConfigActivationRecord, Topics, topicSpecs } from '@bellwether/contracts';
import { KafkaConnection, MessageProducer } from '@bellwether/kafka';
import { ConfigVersionStore, createLogger, createServiceDataSource, HealthRegistry, migrate } from '@bellwether/platform';
import { builtInPlaybooks, type PlaybookDefinition, type PlaybookSet } from '@bellwether/playbook-domain';
import { configActivationRecord, testEnvironment, waitFor } from '@bellwether/testing';
import { PLAYBOOK_SCHEMA, playbookMigrations } from '../migrations';
import { PlaybookActivations } from './playbook-activations';

// The activation topic as every playbook replica reads it, on the real broker and Postgres: not
// ready (and `caughtUp` pending) before the backlog is read; then the timeline holds every valid
// `playbooks` activation at its effectiveFrom, a record whose body is not a set of playbooks (or
// of another kind) is skipped, and the stored versions are known for runs already started.

const base: PlaybookSet = { version: 'builtin-it', playbooks: builtInPlaybooks };
const retitled = (version: number, title: string): PlaybookDefinition[] =>
  builtInPlaybooks.map((playbook) => (playbook.id === 'detractor-closed-loop' ? { ...playbook, version, steps: playbook.steps.map((step) => (step.kind === 'task' && step.id === 'csm-call' ? { ...step, title } : step)) } : playbook));
const record = (version: string, body: Record<string, unknown>, effectiveFrom: string, activatedAt: string, kind: ConfigActivationRecord['kind'] = 'playbooks'): ConfigActivationRecord =>
  configActivationRecord(kind, version, body, effectiveFrom, activatedAt);

describe('PlaybookActivations on a real broker and Postgres', () => {
  const connection = new KafkaConnection({ brokers: testEnvironment.kafkaBrokers.split(','), clientId: 'it-playbook-activations', namespace: `it-${randomUUID().slice(0, 8)}.` });
  const producer = new MessageProducer(connection);
  const dataSource: DataSource = createServiceDataSource({ url: testEnvironment.databaseUrl, schema: PLAYBOOK_SCHEMA, entities: [], migrations: playbookMigrations, applicationName: 'playbook-activations-it', poolSize: 2 });
  const storedVersion = `it-stored-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    await dataSource.initialize();
    await migrate(dataSource, PLAYBOOK_SCHEMA);
    await connection.ensureTopics(topicSpecs.filter((spec) => spec.name === Topics.configActivations));
    await producer.connect();
  });

  afterAll(async () => {
    await dataSource.query('DELETE FROM playbook.config_versions WHERE version = $1', [storedVersion]);
    await dataSource.destroy();
    await producer.disconnect();
    await connection.deleteNamespaceTopics();
  });

  it('is ready once the backlog is read, starts each event time with the set in force then, and knows the stored sets', async () => {
    const store = new ConfigVersionStore(dataSource, PLAYBOOK_SCHEMA);
    const storedSet = { version: storedVersion, playbooks: retitled(7, 'Stored only') };
    await dataSource.transaction((manager) => store.insertDraft(manager, { kind: 'playbooks', version: storedVersion, body: storedSet, createdBy: 'it', createdAt: new Date().toISOString() }));
    await producer.send(Topics.configActivations, [
      { key: 'playbooks', value: record('pb-2', { version: 'pb-2', playbooks: retitled(2, 'Call v2') }, '2026-03-02T00:00:00.000Z', '2026-03-02T09:00:00.000Z') },
      // Written by something other than the admin API: not a set of playbooks, skipped.
      { key: 'playbooks', value: record('pb-bad', { version: 'pb-bad', playbooks: [{ id: 'x' }] }, '2026-03-03T00:00:00.000Z', '2026-03-03T09:00:00.000Z') },
      // Another kind on the same topic: not this reader's.
      { key: 'scorecard', value: record('cs-9', { version: 'cs-9' }, '2026-03-03T00:00:00.000Z', '2026-03-03T09:00:00.000Z', 'scorecard') },
      { key: 'playbooks', value: record('pb-3', { version: 'pb-3', playbooks: retitled(3, 'Call v3') }, '2026-03-04T00:00:00.000Z', '2026-03-04T09:00:00.000Z') },
    ]);
    const health = new HealthRegistry();
    const activations = new PlaybookActivations(connection, base, store, health, createLogger('playbook', 'silent'));
    let caughtUp = false;
    void activations.caughtUp.then(() => {
      caughtUp = true;
    });
    expect(activations.timeline().latest.version).toBe('builtin-it');
    await activations.onApplicationBootstrap();
    try {
      await waitFor(() => caughtUp, { description: 'the activations backlog read' });
      expect((await health.readiness()).checks['playbooks']).toEqual({ ok: true, detail: 'in force: pb-3' });
      const timeline = activations.timeline();
      const titleAt = (eventTime: string) => {
        const step = timeline.at(eventTime).config.playbooks.find((playbook) => playbook.id === 'detractor-closed-loop')?.steps[0];
        return step?.kind === 'task' ? step.title : undefined;
      };
      expect(timeline.at('2026-03-01T12:00:00.000Z').version).toBe('builtin-it');
      expect(titleAt('2026-03-02T00:00:00.000Z')).toBe('Call v2');
      expect(timeline.at('2026-03-03T12:00:00.000Z').version).toBe('pb-2');
      expect(titleAt('2026-03-04T00:00:00.000Z')).toBe('Call v3');
      expect(activations.refusedRecords).toBe(1);
      expect(activations.known().map((set) => set.version)).toEqual(expect.arrayContaining(['pb-3', 'pb-2', storedVersion, 'builtin-it']));
      expect(activations.known()[0]?.version).toBe('pb-3');

      // A later activation reaches the running replica too.
      await producer.send(Topics.configActivations, [{ key: 'playbooks', value: record('pb-4', { version: 'pb-4', playbooks: retitled(4, 'Call v4') }, '2026-03-05T00:00:00.000Z', '2026-03-05T09:00:00.000Z') }]);
      await waitFor(() => activations.timeline().latest.version === 'pb-4', { description: 'the new activation read' });
      expect(activations.timeline().at('2026-03-04T12:00:00.000Z').version).toBe('pb-3');
    } finally {
      await activations.onApplicationShutdown();
    }
  });
});
