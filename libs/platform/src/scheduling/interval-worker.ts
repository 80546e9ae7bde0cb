/**
 * Runs `work` every `intervalMs`, never twice at once, and on demand (`nudge`). `stop` waits for
 * a pass under way. The loops of the services (timers, deliveries, day-rolls) share it.
 */
export class IntervalWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly work: () => Promise<unknown>,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.nudge(), this.intervalMs);
  }

  get started(): boolean {
    return this.timer !== null;
  }

  /** A pass now, unless one is already under way or the worker is stopped. */
  nudge(): void {
    if (this.running || !this.timer) return;
    this.running = this.work()
      .then(() => undefined)
      .finally(() => {
        this.running = null;
      });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }
}
