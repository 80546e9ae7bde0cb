import { Topics, type ClockMode } from '@bellwether/contracts';
import { CompactedTopicReader, type KafkaConnection } from '@bellwether/kafka';
import type { DependencyStatus } from '../health/health.registry';
import { PipelineTime } from './pipeline-time';

/**
 * The clock of the timers that act on pipeline time: alerting's SLA escalations and snooze
 * wake-ups, playbook's waits. In `CLOCK_MODE=wall` it is the wall clock. In `CLOCK_MODE=event`
 * (replays, simulations) it is scoring's pipeline watermark, read from the beginning of the
 * compacted `bellwether.watermarks.v1` into memory (a `CompactedTopicReader`, like `ApiKeyRing`), so a replay of 120 days
 * takes 14-day waits at their event-time pace instead of collapsing them into seconds.
 *
 * `now()` is null in event mode before the first watermark: timers then do nothing yet. Loops
 * that want to act as soon as the watermark moves subscribe with `onAdvance`. Ready once it has
 * read everything the topic held when it started (at once in wall mode, which reads nothing).
 */
export class PipelineClock {
  private readonly time: PipelineTime;
  /** The reader of the watermarks topic; none in wall mode. */
  private readonly reader: CompactedTopicReader<unknown, string> | null;

  /**
   * @param wallClock epoch milliseconds now; the wall clock unless a test pins it.
   */
  constructor(
    mode: ClockMode,
    connection: KafkaConnection,
    private readonly wallClock: () => number = Date.now,
  ) {
    this.time = new PipelineTime(mode);
    // PipelineTime validates and counts rejected values itself; it reports each forward move.
    this.reader =
      mode === 'event'
        ? new CompactedTopicReader(connection, { topic: Topics.watermarks, decode: (value) => ({ ok: true, value }), apply: (value) => this.time.offer(value) })
        : null;
  }

  get mode(): ClockMode {
    return this.time.mode;
  }

  /**
   * The pipeline's now (ISO-8601, UTC): the wall clock in wall mode; in event mode the newest
   * watermark read, or null before the first.
   */
  now(): string | null {
    return this.time.now(this.wallClock());
  }

  /**
   * Calls `listener` with the new watermark each time the event-mode clock moves forward (never in
   * wall mode, where the loops' own intervals follow the wall clock). Returns the function that
   * unsubscribes it. A listener's error is its own and never stops the clock.
   */
  onAdvance(listener: (watermark: string) => void): () => void {
    return this.reader?.onChange(listener) ?? (() => undefined);
  }

  async start(): Promise<void> {
    await this.reader?.start();
  }

  async stop(): Promise<void> {
    await this.reader?.stop();
    this.reader?.clearListeners();
  }

  get isReady(): boolean {
    return this.reader?.isReady ?? true;
  }

  /** Values on the watermarks topic that were not valid `PipelineWatermark` records (ignored). */
  get rejectedRecords(): number {
    return this.time.rejectedRecords;
  }

  /** For `/readyz`: which clock, the watermark and the records ignored; not ready while it reads the topic's backlog. */
  readiness(): DependencyStatus {
    if (this.mode === 'wall') return { ok: true, detail: 'wall clock' };
    if (!this.isReady) return { ok: false, detail: `still reading ${Topics.watermarks}` };
    const rejected = this.rejectedRecords > 0 ? `; ${this.rejectedRecords} invalid records ignored` : '';
    return { ok: true, detail: `${this.time.watermark === null ? 'no watermark yet: timers wait' : `watermark ${this.time.watermark}`}${rejected}` };
  }

  /** False once the reader of the watermarks topic is dead for good (then event-mode timers would stop). */
  liveness(): DependencyStatus {
    return this.reader?.liveness() ?? { ok: true };
  }
}
