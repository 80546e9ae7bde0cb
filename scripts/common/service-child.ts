import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { spawnService, waitUntilReady, type ServiceName } from '@bellwether/testing';

export { serviceNames, type ServiceName } from '@bellwether/testing';

/**
 * One compiled service of a whole-stack run's private build (<buildDir>/dist, see
 * scripts/common/harness.sh) as a child process of the run's driver: its output appended to
 * `<workDir>/logs/<logName>`, its pid in `<workDir>/run/<name>.pid` so the harness's clean-up
 * can stop it if the driver itself dies. Bench and chaos extend it with what they measure. It is
 * started as the tests' ServiceProcess is (libs/testing's spawnService and waitUntilReady); what
 * differs is the log (a file descriptor the child writes itself, so it survives the driver) and the pid file.
 */
export class ServiceChild {
  private child: ChildProcess | null = null;
  private exitStatus: number | string | null = null;
  readonly logPath: string;
  private readonly pidPath: string;

  constructor(
    readonly name: ServiceName,
    readonly port: number,
    private readonly env: Readonly<Record<string, string>>,
    workDir: string,
    private readonly buildDir: string,
    logName: string,
  ) {
    mkdirSync(join(workDir, 'logs'), { recursive: true });
    mkdirSync(join(workDir, 'run'), { recursive: true });
    this.logPath = join(workDir, 'logs', logName);
    this.pidPath = join(workDir, 'run', `${name}.pid`);
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The running process' pid; null when none was started or it has exited. */
  get pid(): number | null {
    return this.child && this.exitStatus === null ? (this.child.pid ?? null) : null;
  }

  get running(): boolean {
    return this.child !== null && this.exitStatus === null;
  }

  /** How the last started process exited (exit code or signal name); null while it runs or before a start. */
  protected get exitCode(): number | string | null {
    return this.child ? this.exitStatus : null;
  }

  /**
   * Starts `node <nodeArgs> -r register-paths main.js` with PATH, the env and PORT only, and waits
   * (polling /readyz every 250 ms) until it answers 200. Throws `<name> exited (<code>) during
   * start<detail>` or `<name> not ready after <ms> ms<detail>`, `detail()` read at the time.
   */
  protected async launch(nodeArgs: readonly string[], readyTimeoutMs: number, detail: () => string): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    const log = openSync(this.logPath, 'a');
    const child = spawnService(this.name, this.port, this.env, { rootDir: this.buildDir, nodeArgs, stdio: ['ignore', log, log] });
    closeSync(log);
    this.child = child;
    this.exitStatus = null;
    writeFileSync(this.pidPath, `${child.pid}\n`);
    child.once('exit', (code, signal) => {
      this.exitStatus = code ?? signal ?? 'unknown';
    });
    await waitUntilReady(this.baseUrl, readyTimeoutMs, {
      exited: () => this.exitStatus !== null,
      exitError: () => new Error(`${this.name} exited (${this.exitStatus}) during start${detail()}`),
      timeoutError: () => new Error(`${this.name} not ready after ${readyTimeoutMs} ms${detail()}`),
    });
  }

  /** SIGTERM (graceful, SIGKILL after 20 s) or another signal; resolves once the process is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (this.exitStatus === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    this.child = null;
    rmSync(this.pidPath, { force: true });
  }
}

/**
 * What every service of a whole-stack run is started with: the run's broker, namespace, database
 * and Redis, event-time clock, and `logLevel`. Runs add their own (session timeout, rate limits).
 */
export function stackServiceEnv(run: { readonly brokers: string; readonly namespace: string; readonly databaseUrl: string; readonly redisUrl: string }, logLevel: 'info' | 'warn'): Record<string, string> {
  return { KAFKA_BROKERS: run.brokers, KAFKA_NAMESPACE: run.namespace, DATABASE_URL: run.databaseUrl, REDIS_URL: run.redisUrl, CLOCK_MODE: 'event', LOG_LEVEL: logLevel };
}

/** Ingestion's rate limit lifted: a run's sender posts as fast as the answers come, and the limit is not what is measured. */
export const unlimitedIngestRate: Readonly<Record<string, string>> = { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000' };
