import { register } from 'prom-client';
import { testEnvironment, waitFor } from '@bellwether/testing';
import { createServiceDataSource } from '../database/data-source.factory';
import { createLogger } from '../logging/logger';
import { outboxTableDdl } from '../outbox/outbox';
import { RetentionPruner } from './retention-pruner';
import { serviceRetention } from './service-retention';

describe('RetentionPruner on real Postgres', () => {
  const schema = 'it_retention';
  const dataSource = createServiceDataSource({ url: testEnvironment.databaseUrl, schema, entities: [], migrations: [], applicationName: 'it-retention', poolSize: 4 });
  const logger = createLogger('it-retention', 'silent');
  const env = { OUTBOX_RETENTION_HOURS: 72, RETENTION_PRUNE_INTERVAL_SECONDS: 60, RETENTION_PRUNE_BATCH_SIZE: 10 };
  const options = serviceRetention(env, { schema, processedIds: { table: 'processed_ids', retentionDays: 35 } });

  const count = async (sql: string): Promise<number> => ((await dataSource.query(sql)) as { n: number }[])[0]?.n ?? -1;
  const processedIds = (): Promise<number> => count(`SELECT count(*)::int AS n FROM ${schema}.processed_ids`);
  const prunedMetric = async (table: string): Promise<number> =>
    (await register.getSingleMetric('bellwether_retention_pruned_total')?.get())?.values.find((value) => value.labels['table'] === table)?.value ?? 0;

  /** `n` processed ids, processed `ageSql` ago (a Postgres interval). */
  const addProcessed = (prefix: string, n: number, ageSql: string): Promise<unknown> =>
    dataSource.query(`INSERT INTO ${schema}.processed_ids (id, processed_at) SELECT $1 || g, now() - interval '${ageSql}' FROM generate_series(1, $2) g`, [prefix, n]);

  beforeAll(async () => {
    await dataSource.initialize();
    await dataSource.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await dataSource.query(`CREATE SCHEMA ${schema}`);
    await dataSource.query(`CREATE TABLE ${schema}.processed_ids (id text PRIMARY KEY, processed_at timestamptz NOT NULL DEFAULT now())`);
    await dataSource.query(`CREATE INDEX processed_ids_processed_at_idx ON ${schema}.processed_ids (processed_at)`);
    for (const statement of outboxTableDdl(schema).up) await dataSource.query(statement);
  });

  beforeEach(async () => {
    await dataSource.query(`TRUNCATE ${schema}.processed_ids, ${schema}.outbox`);
  });

  afterAll(async () => {
    await dataSource.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await dataSource.destroy();
  });

  it('deletes processed ids and published outbox rows past their retention (OUTBOX_RETENTION_HOURS above 0), keeping recent and unpublished rows', async () => {
    await addProcessed('old-', 5, '36 days');
    await addProcessed('recent-', 3, '34 days');
    await dataSource.query(
      `INSERT INTO ${schema}.outbox (topic, key, payload, created_at, published_at) VALUES
         ('t', 'published-old', '{}', now() - interval '5 days', now() - interval '73 hours'),
         ('t', 'published-recent', '{}', now() - interval '5 days', now() - interval '71 hours'),
         ('t', 'unpublished-old', '{}', now() - interval '30 days', NULL)`,
    );
    const before = { processed: await prunedMetric(`${schema}.processed_ids`), outbox: await prunedMetric(`${schema}.outbox`) };

    const deleted = await new RetentionPruner(dataSource, logger, options).pruneOnce();

    expect(Object.fromEntries(deleted)).toEqual({ [`${schema}.processed_ids`]: 5, [`${schema}.outbox`]: 1 });
    const kept = (await dataSource.query(`SELECT id FROM ${schema}.processed_ids ORDER BY id`)) as { id: string }[];
    expect(kept.map((row) => row.id)).toEqual(['recent-1', 'recent-2', 'recent-3']);
    const outbox = (await dataSource.query(`SELECT key FROM ${schema}.outbox ORDER BY key`)) as { key: string }[];
    expect(outbox.map((row) => row.key)).toEqual(['published-recent', 'unpublished-old']);
    expect(await prunedMetric(`${schema}.processed_ids`)).toBe(before.processed + 5);
    expect(await prunedMetric(`${schema}.outbox`)).toBe(before.outbox + 1);
  });

  it('with OUTBOX_RETENTION_HOURS 0, the default, deletes at once the published rows a retention above 0 left (before an upgrade), never an unpublished one', async () => {
    // The relay deletes rows as it publishes them; these were marked by a relay that kept them.
    await dataSource.query(
      `INSERT INTO ${schema}.outbox (topic, key, payload, created_at, published_at) VALUES
         ('t', 'published-before-the-upgrade', '{}', now() - interval '5 days', now() - interval '71 hours'),
         ('t', 'published-just-now', '{}', now() - interval '1 minute', now() - interval '1 second'),
         ('t', 'unpublished', '{}', now() - interval '5 days', NULL)`,
    );
    const pruner = new RetentionPruner(dataSource, logger, serviceRetention({ ...env, OUTBOX_RETENTION_HOURS: 0 }, { schema }));

    expect(Object.fromEntries(await pruner.pruneOnce())).toEqual({ [`${schema}.outbox`]: 2 });
    const outbox = (await dataSource.query(`SELECT key FROM ${schema}.outbox ORDER BY key`)) as { key: string }[];
    expect(outbox.map((row) => row.key)).toEqual(['unpublished']);
    // Nothing left to prune: the next pass deletes nothing.
    expect(Object.fromEntries(await pruner.pruneOnce())).toEqual({ [`${schema}.outbox`]: 0 });
  });

  it('deletes at most batch size × batches per pass, and the next pass continues', async () => {
    await addProcessed('old-', 45, '40 days');
    await addProcessed('recent-', 2, '1 day');
    const pruner = new RetentionPruner(dataSource, logger, { ...options, maxBatchesPerPass: 2 });

    const passes: number[] = [];
    for (let pass = 0; pass < 4; pass += 1) passes.push((await pruner.pruneOnce()).get(`${schema}.processed_ids`) ?? -1);

    expect(passes).toEqual([20, 20, 5, 0]);
    expect(await processedIds()).toBe(2);
  });

  it('runs on its interval once started, and stops cleanly', async () => {
    await addProcessed('old-', 25, '40 days');
    const pruner = new RetentionPruner(dataSource, logger, { ...options, intervalMs: 50, maxBatchesPerPass: 1 });
    pruner.start();
    try {
      await waitFor(async () => (await processedIds()) === 0, { description: 'every old id pruned over several passes' });
    } finally {
      await pruner.stop();
    }
  });
});
