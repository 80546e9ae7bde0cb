import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** The `scoring.watermark` row: the pipeline watermark, the newest clock tick and the day-roll's progress. */
export interface WatermarkRow {
  /** The pipeline watermark (minimum over the events topic's partitions; see `pipelineWatermark`). */
  readonly watermark: string | null;
  /** The newest wall-clock tick (wall mode only): where idle partitions stand. */
  readonly clockTick: string | null;
  readonly rolledThrough: string | null;
  readonly rollTarget: string | null;
  readonly rollCursor: string | null;
}

/**
 * Event time's bookkeeping: each events partition's newest event time, the pipeline watermark
 * (forward only), the newest wall-clock tick and the day-roll's progress and lock. Every
 * statement runs in the caller's transaction (`manager`).
 */
@Injectable()
export class WatermarkRepository {
  /** The watermark row (every field null before the first write). */
  async readWatermark(manager: EntityManager): Promise<WatermarkRow> {
    const [row] = (await manager.query('SELECT watermark, clock_tick, rolled_through, roll_target, roll_cursor FROM scoring.watermark WHERE id = 1')) as {
      watermark: Date | null;
      clock_tick: Date | null;
      rolled_through: Date | null;
      roll_target: Date | null;
      roll_cursor: string | null;
    }[];
    return {
      watermark: row?.watermark?.toISOString() ?? null,
      clockTick: row?.clock_tick?.toISOString() ?? null,
      rolledThrough: row?.rolled_through?.toISOString() ?? null,
      rollTarget: row?.roll_target?.toISOString() ?? null,
      rollCursor: row?.roll_cursor ?? null,
    };
  }

  /** The newest event time read from each partition of the events topic that has had one (moved by `AccountStateRepository.writeScores`). */
  async partitionWatermarks(manager: EntityManager): Promise<Map<number, string>> {
    const rows = (await manager.query('SELECT partition, watermark FROM scoring.partition_watermarks')) as { partition: number; watermark: Date }[];
    return new Map(rows.map((row) => [row.partition, row.watermark.toISOString()]));
  }

  /**
   * `partitionWatermarks` for a configuration activation (`activationPoint`): takes the table in
   * SHARE mode until the caller's transaction ends, so it waits for batches that have written
   * their partition's watermark to commit, and holds new writes back meanwhile.
   */
  async settledPartitionWatermarks(manager: EntityManager): Promise<Map<number, string>> {
    await manager.query('LOCK TABLE scoring.partition_watermarks IN SHARE MODE');
    return this.partitionWatermarks(manager);
  }

  /** Moves the pipeline watermark forward only; returns the new value when it moved, else null. */
  async advanceWatermark(manager: EntityManager, to: string): Promise<string | null> {
    const rows = (await manager.query(
      // Wrapped in a SELECT: TypeORM answers a bare UPDATE … RETURNING with [rows, count].
      `WITH moved AS (
         UPDATE scoring.watermark SET watermark = $1::timestamptz WHERE id = 1 AND (watermark IS NULL OR watermark < $1::timestamptz) RETURNING watermark
       ) SELECT watermark FROM moved`,
      [to],
    )) as { watermark: Date }[];
    return rows[0]?.watermark.toISOString() ?? null;
  }

  /** Keeps the newest wall-clock tick (forward only). */
  async advanceClockTick(manager: EntityManager, to: string): Promise<void> {
    await manager.query('UPDATE scoring.watermark SET clock_tick = GREATEST(COALESCE(clock_tick, $1::timestamptz), $1::timestamptz) WHERE id = 1', [to]);
  }

  /** Stores the roll under way (target, cursor) or, when `rolledThrough` is given, a finished one. */
  async saveRollProgress(manager: EntityManager, progress: { rollTarget: string | null; rollCursor: string | null; rolledThrough?: string }): Promise<void> {
    await manager.query(
      'UPDATE scoring.watermark SET roll_target = $1, roll_cursor = $2, rolled_through = COALESCE($3::timestamptz, rolled_through) WHERE id = 1',
      [progress.rollTarget, progress.rollCursor, progress.rolledThrough ?? null],
    );
  }

  /**
   * Takes the day-roll's transaction-scoped advisory lock if it is free: true when this
   * transaction holds it (it is released at commit or rollback), false when another replica rolls.
   */
  async tryLockDayRoll(manager: EntityManager): Promise<boolean> {
    const [{ locked }] = (await manager.query('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked', ['bellwether-scoring-day-roll'])) as { locked: boolean }[];
    return locked;
  }
}
