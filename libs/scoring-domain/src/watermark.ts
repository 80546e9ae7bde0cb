import type { ClockMode } from '@bellwether/contracts';
import { DAY_MS, dayStart } from './time';

/**
 * Where scoring stands on one partition of the events topic, as the day-roller sees it: the
 * newest event time applied from it (`watermark`, ISO-8601, null before its first event), the
 * consumer group's committed offset, and the partition's log start and end offsets at the time
 * of the check. Offsets are Kafka's, as decimal strings (they may exceed 2^53).
 */
export interface PartitionProgress {
  readonly partition: number;
  readonly watermark: string | null;
  /** The committed offset (the next record to read), or null when the group never committed. */
  readonly committedOffset: string | null;
  /** The partition's log start offset (records before it are gone). */
  readonly lowOffset: string;
  /** The partition's log end offset (the offset the next produced record gets). */
  readonly highOffset: string;
}

/**
 * Whether scoring has read everything the partition holds: its committed offset is at the log
 * end (an empty or never-written partition is caught up too). Such a partition is **idle**.
 */
export function isCaughtUp(progress: PartitionProgress): boolean {
  const next = progress.committedOffset === null || BigInt(progress.committedOffset) < BigInt(progress.lowOffset) ? BigInt(progress.lowOffset) : BigInt(progress.committedOffset);
  return next >= BigInt(progress.highOffset);
}

/**
 * The pipeline watermark: the event time up to which the events topic has been read, as in
 * Flink and Kafka Streams the **minimum** over the input partitions, so one partition racing ahead
 * (a light partition after a restart, a fast consumer) cannot move the pipeline past data that
 * another partition still holds.
 *
 * The idle rule: a partition that is caught up (`isCaughtUp`) cannot hold the watermark back,
 * because whatever it receives next is new data.
 * - `wall` mode: an idle partition stands at the wall clock, the latest `clockTick`
 *   (`bellwether.clock.v1`), so silent accounts still age while events are quiet.
 * - `event` mode (replays): idle partitions are left out; when every partition is idle, the
 *   watermark is the newest event time read.
 *
 * A partition with unread records and no event time yet holds the watermark at "unknown": the
 * result is null, and the caller keeps its last watermark (which only ever moves forward).
 * Pure; `partitions` must list every partition of the topic.
 *
 * Why this is safe for determinism: the check reads committed offsets after the watermarks and
 * log ends after the committed offsets, so a record that lands on an "idle" partition after the
 * check was produced after every record the watermark was computed from. With out-of-orderness
 * bounded by the grace period it is then not older than the days the watermark closes.
 */
export function pipelineWatermark(partitions: readonly PartitionProgress[], mode: ClockMode, clockTick: string | null): string | null {
  let minimum: string | null = null;
  let newest: string | null = null;
  let active = 0;
  for (const progress of partitions) {
    if (progress.watermark !== null && (newest === null || progress.watermark > newest)) newest = progress.watermark;
    let effective: string | null;
    if (isCaughtUp(progress)) {
      if (mode !== 'wall' || clockTick === null) continue;
      effective = progress.watermark !== null && progress.watermark > clockTick ? progress.watermark : clockTick;
    } else {
      active += 1;
      if (progress.watermark === null) return null;
      effective = progress.watermark;
    }
    if (minimum === null || effective < minimum) minimum = effective;
  }
  if (active === 0 && mode === 'event') return newest;
  return minimum;
}

/**
 * The latest day boundary (00:00 UTC, ISO-8601) whose day may be closed at `watermark`: the day
 * before it ended at least `gracePeriodMs` before the watermark. Null while no day is closable.
 * Example, grace 48 h: watermark 2026-03-05T10:00Z → boundary 2026-03-03T00:00Z (days up to
 * 2026-03-02 are closed).
 */
export function closableBoundary(watermark: string | null, gracePeriodMs: number): string | null {
  if (watermark === null) return null;
  const ms = Date.parse(watermark) - gracePeriodMs;
  if (!Number.isFinite(ms)) return null;
  return dayStart(Math.floor(ms / DAY_MS));
}

/**
 * `time`, or the instant `maxLeadMs` after `nowMs` when `time` is later (both ISO-8601, compared as
 * strings). In live mode one producer's clock may not drag a watermark further ahead of the wall
 * clock than that.
 */
export function notAheadOf(time: string, nowMs: number, maxLeadMs: number): string {
  const ceiling = new Date(nowMs + maxLeadMs).toISOString();
  return time < ceiling ? time : ceiling;
}

/** Where the day-roller stands (the `scoring.watermark` row). */
export interface DayRollProgress {
  /** The boundary of the roll under way (stored with each chunk), or null between rolls. */
  readonly rollTarget: string | null;
  /** The boundary every account was closed through by the last finished roll. */
  readonly rolledThrough: string | null;
}

/**
 * The boundary the day-roller closes accounts through next: the roll under way, else `closable`
 * (see `closableBoundary`) when it is past the last finished roll, else null (nothing to do).
 */
export function dayRollTarget(progress: DayRollProgress, closable: string | null): string | null {
  if (progress.rollTarget !== null) return progress.rollTarget;
  return closable !== null && (progress.rolledThrough === null || closable > progress.rolledThrough) ? closable : null;
}

