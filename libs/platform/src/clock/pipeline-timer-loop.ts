import type { HealthRegistry } from '../health/health.registry';
import { loggableMessage } from '../logging/safe-errors';
import type { AppLogger } from '../logging/logger';
import { IntervalWorker } from '../scheduling/interval-worker';
import type { PipelineClock } from './pipeline-clock';

/** A durable-timer loop on the pipeline clock: what it is called, how often it runs and what one pass does. */
export interface PipelineTimerLoopOptions {
  /** The `/readyz` check's name (`alert-timers`, `wake-scheduler`). */
  readonly name: string;
  /** The floor between passes, ms; each advance of the event-mode watermark runs a pass at once too. */
  readonly intervalMs: number;
  /** Logged (with the error) when a pass fails; the next pass retries. */
  readonly failureMessage: string;
  /** Its `now()` and `onAdvance` (a `PipelineClock`). */
  readonly clock: Pick<PipelineClock, 'now' | 'onAdvance'>;
  readonly health: Pick<HealthRegistry, 'register'>;
  readonly logger: AppLogger;
  /**
   * One pass over the timers due at `now` (the pipeline clock's ISO-8601 now); returns how many
   * rows it changed. Its errors are caught, logged and shown by `/readyz` until a pass succeeds.
   */
  readonly pass: (now: string) => Promise<number>;
}

/**
 * The loop of durable timers that follow pipeline time (alerting's SLA escalations and snooze
 * wake-ups, playbook's waits): a pass at the `PipelineClock`'s now every `intervalMs` and at each
 * advance of the watermark, never two at once; nothing before the event-mode clock has a time.
 * Readiness shows the pipeline time of the last pass, or the last pass' error.
 */
export class PipelineTimerLoop {
  private readonly loop: IntervalWorker;
  private lastError: string | null = null;
  /** The pipeline time of the last completed pass; null before the first. */
  private lastPassAt: string | null = null;
  private stopFollowingClock: () => void = () => undefined;

  constructor(private readonly options: PipelineTimerLoopOptions) {
    this.loop = new IntervalWorker(options.intervalMs, () => this.runOnce());
  }

  /** Registers the readiness check, follows the clock and starts the interval. */
  start(): void {
    this.options.health.register(this.options.name, () =>
      this.lastError ? { ok: false, detail: this.lastError } : { ok: true, detail: this.lastPassAt ? `last pass at pipeline time ${this.lastPassAt}` : 'waiting for the pipeline clock' },
    );
    this.stopFollowingClock = this.options.clock.onAdvance(() => this.loop.nudge());
    this.loop.start();
  }

  /** Stops following the clock and waits for a pass under way. */
  async stop(): Promise<void> {
    this.stopFollowingClock();
    await this.loop.stop();
  }

  /** One pass now; returns the rows it changed (0 while the clock has no time yet, or when the pass failed). */
  async runOnce(): Promise<number> {
    const now = this.options.clock.now();
    if (now === null) return 0;
    try {
      const changed = await this.options.pass(now);
      this.lastError = null;
      this.lastPassAt = now;
      return changed;
    } catch (error) {
      this.lastError = loggableMessage(error);
      this.options.logger.warn({ error: this.lastError }, this.options.failureMessage);
      return 0;
    }
  }
}
