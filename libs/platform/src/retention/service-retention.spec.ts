import { DAY_MS, topicSpecs } from '@bellwether/contracts';
import { pruneStatement } from './retention-pruner';
import { DEFAULT_OUTBOX_RETENTION_HOURS, DEFAULT_PROCESSED_IDS_RETENTION_DAYS, serviceRetention } from './service-retention';

const env = { OUTBOX_RETENTION_HOURS: 72, RETENTION_PRUNE_INTERVAL_SECONDS: 60, RETENTION_PRUNE_BATCH_SIZE: 5000 };

describe('serviceRetention', () => {
  it('prunes processed ids by days and published outbox rows by hours, in batches, every interval', () => {
    expect(serviceRetention(env, { schema: 'scoring', processedIds: { table: 'processed_events', retentionDays: 35 } })).toEqual({
      tables: [
        { schema: 'scoring', table: 'processed_events', timeColumn: 'processed_at', retentionSeconds: 35 * 86_400 },
        { schema: 'scoring', table: 'outbox', timeColumn: 'published_at', condition: 'published_at IS NOT NULL', retentionSeconds: 72 * 3600 },
      ],
      batchSize: 5000,
      intervalMs: 60_000,
    });
  });

  it('prunes only the outbox of a service without a consumer', () => {
    const options = serviceRetention({ ...env, OUTBOX_RETENTION_HOURS: 1, RETENTION_PRUNE_INTERVAL_SECONDS: 5 }, { schema: 'ingestion' });
    expect(options.tables.map((table) => `${table.schema}.${table.table}`)).toEqual(['ingestion.outbox']);
    expect(options.tables[0]?.retentionSeconds).toBe(3600);
    expect(options.intervalMs).toBe(5000);
  });

  it('with OUTBOX_RETENTION_HOURS 0 (the default) prunes every published outbox row at once: only rows marked under a retention above 0 are left for it', () => {
    expect(DEFAULT_OUTBOX_RETENTION_HOURS).toBe(0);
    const options = serviceRetention({ ...env, OUTBOX_RETENTION_HOURS: DEFAULT_OUTBOX_RETENTION_HOURS }, { schema: 'ingestion' });
    expect(options.tables).toEqual([{ schema: 'ingestion', table: 'outbox', timeColumn: 'published_at', condition: 'published_at IS NOT NULL', retentionSeconds: 0 }]);
  });

  it('keeps processed ids longer than Kafka keeps any record it could redeliver', () => {
    const longest = Math.max(...topicSpecs.filter((topic) => !topic.compacted).map((topic) => topic.retentionMs ?? Infinity));
    expect(DEFAULT_PROCESSED_IDS_RETENTION_DAYS * DAY_MS).toBeGreaterThan(longest);
  });
});

describe('pruneStatement', () => {
  it('deletes a bounded batch selected by the time column and the extra condition, quoting identifiers', () => {
    const sql = pruneStatement({ schema: 'scoring', table: 'outbox', timeColumn: 'published_at', condition: 'published_at IS NOT NULL', retentionSeconds: 1 }).replace(/\s+/g, ' ');
    expect(sql).toContain('DELETE FROM "scoring"."outbox" WHERE ctid IN ( SELECT ctid FROM "scoring"."outbox" WHERE "published_at" < now() - make_interval(secs => $1) AND (published_at IS NOT NULL) LIMIT $2 )');
    expect(sql).toContain('SELECT count(*)::int AS removed FROM gone');
  });
});
