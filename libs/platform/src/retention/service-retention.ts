import type { RetentionPrunerOptions, RetentionTableSpec } from './retention-pruner';

const HOUR_SECONDS = 3600;
const DAY_SECONDS = 24 * HOUR_SECONDS;

/**
 * Default days a consumer keeps the ids of the messages it processed (`PROCESSED_IDS_RETENTION_DAYS`).
 * Longer than the 4-week retention of the topics the consumers read (events, scores, alerts,
 * incidents, playbook runs in `topicSpecs`): any record Kafka can still redeliver (a replay from
 * the earliest offset, a group reset) still finds its id and stays a no-op, so exactly-once
 * effects hold for everything the broker holds. A spec pins that 35 days > every such retention.
 */
export const DEFAULT_PROCESSED_IDS_RETENTION_DAYS = 35;

/**
 * Default hours a published outbox row is kept as history (`OUTBOX_RETENTION_HOURS`): none. With
 * 0 the `OutboxRelay` deletes a row in the transaction that sent it, instead of marking it
 * published. The history duplicated the topics: every topic an outbox feeds keeps its records
 * 4 weeks or is compacted (`topicSpecs`). And the mark was the costly part: it rewrote every row,
 * payload included (never a HOT update: `published_at` is in the outbox's partial indexes), and
 * vacuum and the pruner then cleaned up both versions. A positive value keeps published rows that
 * long, marked, then the `RetentionPruner` deletes them (to see with SQL what left, and when).
 */
export const DEFAULT_OUTBOX_RETENTION_HOURS = 0;

/** The validated env values the pruner of a service reads (`CommonEnv`). */
export interface RetentionEnvValues {
  readonly OUTBOX_RETENTION_HOURS: number;
  readonly RETENTION_PRUNE_INTERVAL_SECONDS: number;
  readonly RETENTION_PRUNE_BATCH_SIZE: number;
}

/** What a service prunes: its outbox, and the processed-ids table of its consumer if it has one. */
export interface ServiceRetentionScope {
  readonly schema: string;
  readonly processedIds?: {
    /** Table in `schema` with a `processed_at timestamptz` column. */
    readonly table: string;
    readonly retentionDays: number;
  };
}

/**
 * Config → the pruner's options for one service: published outbox rows older than
 * `OUTBOX_RETENTION_HOURS` (unpublished rows are never touched), processed ids older than their
 * retention in days; batches of `RETENTION_PRUNE_BATCH_SIZE`, a pass every
 * `RETENTION_PRUNE_INTERVAL_SECONDS`. With 0 the outbox stays in: its relay deletes rows as it
 * publishes them, so the pruner finds nothing (one probe of the empty partial index on
 * `published_at`) except rows marked before, under a retention above 0 (before an upgrade, or by
 * a replica not yet restarted with 0), which it deletes at once instead of keeping them forever.
 */
export function serviceRetention(env: RetentionEnvValues, scope: ServiceRetentionScope): RetentionPrunerOptions {
  const tables: RetentionTableSpec[] = [];
  if (scope.processedIds) {
    tables.push({ schema: scope.schema, table: scope.processedIds.table, timeColumn: 'processed_at', retentionSeconds: scope.processedIds.retentionDays * DAY_SECONDS });
  }
  tables.push({
    schema: scope.schema,
    table: 'outbox',
    timeColumn: 'published_at',
    condition: 'published_at IS NOT NULL',
    retentionSeconds: env.OUTBOX_RETENTION_HOURS * HOUR_SECONDS,
  });
  return { tables, batchSize: env.RETENTION_PRUNE_BATCH_SIZE, intervalMs: env.RETENTION_PRUNE_INTERVAL_SECONDS * 1000 };
}
