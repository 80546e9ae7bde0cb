import { Injectable } from '@nestjs/common';

/**
 * The process' clock, injected wherever code needs "now" (style rule 11: side effects, the
 * clock included, sit behind injectable providers). Production uses the wall clock; tests pin
 * or step it. Timers that must follow event time (SLA escalations, snooze wake-ups, playbook
 * waits) use `PipelineClock` instead, which is this clock in `CLOCK_MODE=wall`.
 */
export abstract class Clock {
  /** Milliseconds since the Unix epoch. */
  abstract nowMs(): number;

  /** Now as an ISO-8601 UTC instant (`…Z`). */
  nowIso(): string {
    return new Date(this.nowMs()).toISOString();
  }

  /** Whole seconds since the Unix epoch (webhook signature timestamps). */
  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }
}

/** The wall clock (`Date.now()`): the one place production reads it. */
@Injectable()
export class WallClock extends Clock {
  nowMs(): number {
    return Date.now();
  }
}

/** A clock that stands still until told to move: for unit tests of timing decisions. */
export class FixedClock extends Clock {
  constructor(private ms: number) {
    super();
  }

  nowMs(): number {
    return this.ms;
  }

  /** Moves the clock by `ms` milliseconds (may be negative). */
  advance(ms: number): void {
    this.ms += ms;
  }

  /** Sets the clock to an epoch-millisecond instant. */
  set(ms: number): void {
    this.ms = ms;
  }
}
