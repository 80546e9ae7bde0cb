import { parseEventTime, validatePipelineWatermark, type ClockMode } from '@bellwether/contracts';

/**
 * The pure part of the pipeline clock, with no I/O: which clock a mode reads, and the newest
 * pipeline watermark offered so far.
 *
 * In `wall` mode "now" is the wall clock the caller passes. In `event` mode it is the greatest
 * `watermark` of the valid `PipelineWatermark` records offered (`bellwether.watermarks.v1`), or
 * null before the first one: then nothing is due yet. The maximum is kept because the topic is
 * delivered at least once and a reader from the beginning may see an older value after a newer
 * one (before compaction, or a republish after a producer restart); the pipeline clock never
 * runs backwards.
 */
export class PipelineTime {
  private newestMs: number | null = null;
  private invalid = 0;

  constructor(readonly mode: ClockMode) {}

  /**
   * Offers one record value read from the watermarks topic. Returns the new watermark (ISO-8601,
   * UTC, milliseconds) when it moved the clock forward; null when it did not (older or equal), or
   * when the value is not a valid `PipelineWatermark` (then it is counted in `rejectedRecords`
   * and otherwise ignored, so one bad record cannot stop the clock).
   */
  offer(value: unknown): string | null {
    const result = validatePipelineWatermark(value);
    const watermarkMs = result.ok ? parseEventTime(result.value.watermark) : null;
    if (watermarkMs === null) {
      this.invalid += 1;
      return null;
    }
    if (this.newestMs !== null && watermarkMs <= this.newestMs) return null;
    this.newestMs = watermarkMs;
    return new Date(watermarkMs).toISOString();
  }

  /**
   * The pipeline's "now" (ISO-8601, UTC) as timers must see it: `wallMs` (epoch ms) in wall mode,
   * the newest watermark in event mode, or null in event mode before the first watermark.
   */
  now(wallMs: number): string | null {
    if (this.mode === 'wall') return new Date(wallMs).toISOString();
    return this.watermark;
  }

  /** The newest valid watermark offered (ISO-8601, UTC), whatever the mode; null before the first. */
  get watermark(): string | null {
    return this.newestMs === null ? null : new Date(this.newestMs).toISOString();
  }

  /** Values offered that were not valid `PipelineWatermark` records. */
  get rejectedRecords(): number {
    return this.invalid;
  }
}
