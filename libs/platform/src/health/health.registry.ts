import { Injectable } from '@nestjs/common';

export interface DependencyStatus {
  readonly ok: boolean;
  readonly detail?: string;
}

export type DependencyCheck = () => Promise<DependencyStatus> | DependencyStatus;

const CHECK_TIMEOUT_MS = 2000;

/**
 * Readiness checks, one per dependency (database, Kafka, Redis, consumer loop, ...), and liveness
 * checks: the few conditions a restart of the process cures (a stalled or dead consumer loop).
 */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, DependencyCheck>();
  private readonly livenessChecks = new Map<string, () => DependencyStatus>();

  register(name: string, check: DependencyCheck): void {
    this.checks.set(name, check);
  }

  /** A liveness check answers from memory (no I/O): a dependency being down is no reason to restart. */
  registerLiveness(name: string, check: () => DependencyStatus): void {
    this.livenessChecks.set(name, check);
  }

  liveness(): { live: boolean; checks: Record<string, DependencyStatus> } {
    const entries = [...this.livenessChecks].map(([name, check]) => [name, check()] as const);
    return { live: entries.every(([, status]) => status.ok), checks: Object.fromEntries(entries) };
  }

  async readiness(): Promise<{ ready: boolean; checks: Record<string, DependencyStatus> }> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => [name, await runWithTimeout(check)] as const),
    );
    return { ready: entries.every(([, status]) => status.ok), checks: Object.fromEntries(entries) };
  }
}

async function runWithTimeout(check: DependencyCheck): Promise<DependencyStatus> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(check),
      new Promise<DependencyStatus>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${CHECK_TIMEOUT_MS} ms` }), CHECK_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
