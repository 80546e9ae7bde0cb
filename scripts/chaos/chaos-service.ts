import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep, type ServiceName } from './chaos.config';
import type { ChaosTarget } from './faults';

/**
 * One compiled service of the run's private build (<buildDir>/dist, see run.sh) as a child process:
 * its log appended to <workDir>/logs/<service>-<port>.log across restarts, its pid in
 * <workDir>/run/<service>.pid so run.sh can stop it if the driver itself dies.
 */
export class ChaosService implements ChaosTarget {
  private child: ChildProcess | null = null;
  private exitCode: number | string | null = null;
  readonly logPath: string;
  private readonly pidPath: string;

  constructor(
    readonly name: ServiceName,
    readonly port: number,
    private readonly env: Readonly<Record<string, string>>,
    workDir: string,
    private readonly buildDir: string,
    private readonly readyTimeoutMs = 120_000,
  ) {
    mkdirSync(join(workDir, 'logs'), { recursive: true });
    mkdirSync(join(workDir, 'run'), { recursive: true });
    this.logPath = join(workDir, 'logs', `${name}-${port}.log`);
    this.pidPath = join(workDir, 'run', `${name}.pid`);
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null && this.exitCode === null;
  }

  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    const log = openSync(this.logPath, 'a');
    const child = spawn(process.execPath, ['-r', `./${join(this.buildDir, 'tools/runtime/register-paths.js')}`, join(this.buildDir, `dist/apps/${this.name}/src/main.js`)], {
      env: { PATH: process.env['PATH'] ?? '', ...this.env, PORT: String(this.port) },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.child = child;
    this.exitCode = null;
    writeFileSync(this.pidPath, `${child.pid}\n`);
    child.once('exit', (code, signal) => {
      this.exitCode = code ?? signal ?? 'unknown';
    });
    const deadline = Date.now() + this.readyTimeoutMs;
    for (;;) {
      if (this.exitCode !== null) throw new Error(`${this.name} exited (${this.exitCode}) during start; see ${this.logPath}`);
      try {
        if ((await fetch(`${this.baseUrl}/readyz`)).status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${this.name} not ready after ${this.readyTimeoutMs} ms; see ${this.logPath}`);
      await sleep(250);
    }
  }

  /** SIGTERM (graceful, SIGKILL after 20 s) or SIGKILL at once; resolves once the process is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (this.exitCode === null) {
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
