import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processCpuSeconds, processMemory } from './proc-stats';
import { sleep } from './stats';

export interface ConsumerTotals {
  readonly batches: number;
  readonly seconds: number;
  readonly records: number;
}

export type ServiceName = 'ingestion' | 'scoring' | 'alerting' | 'playbook';
export const serviceNames: readonly ServiceName[] = ['ingestion', 'scoring', 'alerting', 'playbook'];

export interface ServiceStartOptions {
  /** Run under `node --cpu-prof`, the profile written to this directory when the process exits. */
  readonly cpuProfileDir?: string;
}

/**
 * One compiled service (<buildDir>/dist, see run.sh) as a child process of the benchmark: its log appended to
 * reports/bench/logs/<service>.log, its pid in reports/bench/run/<service>.pid (so run.sh's trap
 * can stop it if the driver itself dies). Stopped with SIGTERM, SIGKILL after 20 s.
 */
export class BenchService {
  private child: ChildProcess | null = null;
  private exitCode: number | string | null = null;
  readonly logPath: string;
  private readonly pidPath: string;
  /** Byte offset of the log when the current process started. */
  private logOffset = 0;
  crashed: { code: number | string; at: string; logTail: string[] } | null = null;

  constructor(
    readonly name: ServiceName,
    readonly port: number,
    private readonly env: Readonly<Record<string, string>>,
    workDir: string,
    private readonly buildDir: string,
  ) {
    mkdirSync(join(workDir, 'logs'), { recursive: true });
    mkdirSync(join(workDir, 'run'), { recursive: true });
    this.logPath = join(workDir, 'logs', `${name}.log`);
    this.pidPath = join(workDir, 'run', `${name}.pid`);
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | null {
    return this.child && this.exitCode === null ? (this.child.pid ?? null) : null;
  }

  get running(): boolean {
    return this.pid !== null;
  }

  async start(options: ServiceStartOptions = {}, readyTimeoutMs = 90_000): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    const nodeArgs: string[] = [];
    if (options.cpuProfileDir) {
      mkdirSync(options.cpuProfileDir, { recursive: true });
      // Written when the process exits (the graceful SIGTERM stop included).
      nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`, `--cpu-prof-name=${this.name}.cpuprofile`);
    }
    nodeArgs.push('-r', `./${join(this.buildDir, 'tools/runtime/register-paths.js')}`, join(this.buildDir, `dist/apps/${this.name}/src/main.js`));
    this.logOffset = fileSize(this.logPath);
    const log = openSync(this.logPath, 'a');
    const child = spawn(process.execPath, nodeArgs, {
      env: { PATH: process.env['PATH'] ?? '', ...this.env, PORT: String(this.port) },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.child = child;
    this.exitCode = null;
    this.crashed = null;
    writeFileSync(this.pidPath, `${child.pid}\n`);
    child.once('exit', (code, signal) => {
      this.exitCode = code ?? signal ?? 'unknown';
    });
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      if (this.exitCode !== null) throw new Error(`${this.name} exited (${this.exitCode}) during start:\n${this.logTail(30).join('\n')}`);
      try {
        const response = await fetch(`${this.baseUrl}/readyz`);
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${this.name} not ready after ${readyTimeoutMs} ms:\n${this.logTail(30).join('\n')}`);
      await sleep(250);
    }
  }

  /** Graceful stop; resolves once the process is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (this.exitCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    this.child = null;
    rmSync(this.pidPath, { force: true });
  }

  /** Records an unexpected exit (with the log lines around it); returns true if it crashed. */
  checkAlive(): boolean {
    if (this.child && this.exitCode !== null && !this.crashed) {
      this.crashed = { code: this.exitCode, at: new Date().toISOString(), logTail: this.logTail(40) };
    }
    return this.crashed === null;
  }

  memory(): ReturnType<typeof processMemory> {
    const pid = this.pid;
    return pid === null ? null : processMemory(pid);
  }

  cpuSeconds(): number | null {
    const pid = this.pid;
    return pid === null ? null : processCpuSeconds(pid);
  }

  async metric(name: string): Promise<number | null> {
    return (await this.metrics([name]))[name] ?? null;
  }

  /** Several Prometheus values from one scrape of /metrics (null: absent or unreachable). */
  async metrics(names: readonly string[], label?: string): Promise<Record<string, number | null>> {
    const text = await this.scrape();
    return Object.fromEntries(names.map((name) => [name, text ? metricValue(text, name, label) : null]));
  }

  /** The consumer loop's totals for one topic: partition batches, seconds in them, records. */
  async consumerTotals(topic: string): Promise<ConsumerTotals | null> {
    const text = await this.scrape();
    if (!text) return null;
    const label = `topic="${topic}"`;
    return {
      batches: metricValue(text, 'bellwether_kafka_batch_duration_seconds_count', label) ?? 0,
      seconds: metricValue(text, 'bellwether_kafka_batch_duration_seconds_sum', label) ?? 0,
      records: metricValue(text, 'bellwether_kafka_records_consumed_total', label) ?? 0,
    };
  }

  private async scrape(): Promise<string> {
    try {
      return await (await fetch(`${this.baseUrl}/metrics`)).text();
    } catch {
      return '';
    }
  }

  /** Last lines this process wrote to its log. */
  logTail(lines: number): string[] {
    return this.logSinceStart().split('\n').filter(Boolean).slice(-lines);
  }

  logSinceStart(): string {
    try {
      return readFileSync(this.logPath).subarray(this.logOffset).toString('utf8');
    } catch {
      return '';
    }
  }
}

/**
 * Sum of the samples of a Prometheus counter or gauge over every label set, or only over those
 * carrying `label="value"` (e.g. `topic="bellwether.events.v1"`).
 */
export function metricValue(text: string, name: string, label?: string): number | null {
  let total: number | null = null;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    if (label && !(match[2] ?? '').includes(label)) continue;
    total = (total ?? 0) + Number(match[3]);
  }
  return total;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
