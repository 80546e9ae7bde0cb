import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

const workspaceRoot = resolve(__dirname, '../../..');

/** The four services, as their folders under apps/ name them. */
export const serviceNames = ['ingestion', 'scoring', 'alerting', 'playbook'] as const;
export type ServiceName = (typeof serviceNames)[number];

export interface ServiceProcessOptions {
  /**
   * The tree to run: `<rootDir>/dist/apps/<name>/src/main.js` with `<rootDir>/tools/runtime/register-paths.js`.
   * Default: this workspace. Scripts that run a private build (npm run backtest) point it there.
   */
  readonly rootDir?: string;
  /** Where the log goes (default <workspace>/reports/tmp). */
  readonly logDir?: string;
}

/**
 * One compiled service (dist/) as a real child process, its JSON log in reports/tmp/. Started
 * and awaited until /readyz answers 200; stopped with SIGTERM (or killed with SIGKILL to test
 * crash recovery).
 */
export class ServiceProcess {
  private child: ChildProcess | null = null;
  private log: WriteStream | null = null;
  readonly logPath: string;
  private readonly rootDir: string;

  constructor(
    readonly name: ServiceName,
    readonly port: number,
    private readonly env: Readonly<Record<string, string>>,
    options: ServiceProcessOptions = {},
  ) {
    this.rootDir = options.rootDir ?? workspaceRoot;
    const logDir = options.logDir ?? join(workspaceRoot, 'reports', 'tmp');
    mkdirSync(logDir, { recursive: true });
    this.logPath = join(logDir, `${name}-${port}.log`);
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The process id while the service runs (for a caller's pid file), else null. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  async start(readyTimeoutMs = 60_000): Promise<void> {
    // Another process on the port would answer the readiness probe in this one's place.
    await assertPortFree(this.port, this.name);
    this.log = createWriteStream(this.logPath, { flags: 'a' });
    const child = spawnService(this.name, this.port, this.env, { rootDir: this.rootDir, cwd: this.rootDir, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    this.child = child;
    let exited: number | null = null;
    child.once('exit', (code) => {
      exited = code ?? -1;
    });
    await waitUntilReady(this.baseUrl, readyTimeoutMs, {
      exited: () => exited !== null,
      exitError: () => new Error(`${this.name} exited with ${exited}; see ${this.logPath}`),
      timeoutError: () => new Error(`timed out after ${readyTimeoutMs} ms waiting for ${this.name} to be ready (log: ${this.logPath})`),
    });
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exit = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
    child.kill(signal);
    const timeout = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exit;
    clearTimeout(timeout);
    this.child = null;
    this.log?.end();
  }
}

function assertPortFree(port: number, name: string): Promise<void> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(error.code === 'EADDRINUSE' ? `port ${port} for ${name} is already in use (another run? set E2E_PORT_OFFSET)` : error.message)),
    );
    probe.listen(port, '0.0.0.0', () => probe.close(() => resolvePort()));
  });
}

/**
 * Starts compiled service `name` of the tree at `rootDir` as a child process, the one way every
 * runner does (the tests' ServiceProcess, the bench's and chaos' ServiceChild):
 * `node <nodeArgs> -r <rootDir>/tools/runtime/register-paths.js <rootDir>/dist/apps/<name>/src/main.js`,
 * with PATH, `env` and PORT=`port` only (nothing else of the caller's environment leaks in).
 * `cwd` defaults to the caller's.
 */
export function spawnService(
  name: ServiceName,
  port: number,
  env: Readonly<Record<string, string>>,
  options: { readonly rootDir: string; readonly nodeArgs?: readonly string[]; readonly stdio: StdioOptions; readonly cwd?: string },
): ChildProcess {
  const root = resolve(options.rootDir);
  return spawn(process.execPath, [...(options.nodeArgs ?? []), '-r', join(root, 'tools/runtime/register-paths.js'), join(root, `dist/apps/${name}/src/main.js`)], {
    cwd: options.cwd,
    env: { PATH: process.env['PATH'] ?? '', ...env, PORT: String(port) },
    stdio: options.stdio,
  });
}

/**
 * Polls `<baseUrl>/readyz` every 250 ms until it answers 200. Throws `exitError()` as soon as
 * `exited()` is true (checked before each probe and on failure), `timeoutError()` after `timeoutMs`.
 */
export async function waitUntilReady(
  baseUrl: string,
  timeoutMs: number,
  outcome: { readonly exited: () => boolean; readonly exitError: () => Error; readonly timeoutError: () => Error },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (outcome.exited()) throw outcome.exitError();
    try {
      if ((await fetch(`${baseUrl}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw outcome.exited() ? outcome.exitError() : outcome.timeoutError();
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }
}
