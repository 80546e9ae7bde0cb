import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { ServiceChild, type ServiceName } from '../common/service-child';
import { processCpuSeconds, processMemory } from './proc-stats';

export interface ConsumerTotals {
  readonly batches: number;
  readonly seconds: number;
  readonly records: number;
}

export { serviceNames, type ServiceName } from '../common/service-child';

export interface ServiceStartOptions {
  /** Run under `node --cpu-prof`, the profile written to this directory when the process exits. */
  readonly cpuProfileDir?: string;
}

/**
 * One compiled service of the benchmark (see ServiceChild): its log appended to
 * reports/bench/logs/<service>.log, with what the benchmark measures of it: memory, CPU time,
 * Prometheus values, the consumer loop's totals, an unexpected exit with its last log lines.
 */
export class BenchService extends ServiceChild {
  /** Byte offset of the log when the current process started. */
  private logOffset = 0;
  crashed: { code: number | string; at: string; logTail: string[] } | null = null;

  constructor(name: ServiceName, port: number, env: Readonly<Record<string, string>>, workDir: string, buildDir: string) {
    super(name, port, env, workDir, buildDir, `${name}.log`);
  }

  /** Starts the service (under `--cpu-prof` if asked) and resolves once /readyz answers 200; throws with the log's last 30 lines. */
  async start(options: ServiceStartOptions = {}, readyTimeoutMs = 90_000): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    const nodeArgs: string[] = [];
    if (options.cpuProfileDir) {
      mkdirSync(options.cpuProfileDir, { recursive: true });
      // Written when the process exits (the graceful SIGTERM stop included).
      nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`, `--cpu-prof-name=${this.name}.cpuprofile`);
    }
    this.logOffset = fileSize(this.logPath);
    this.crashed = null;
    await this.launch(nodeArgs, readyTimeoutMs, () => `:\n${this.logTail(30).join('\n')}`);
  }

  /** Records an unexpected exit (with the log lines around it); returns true if it crashed. */
  checkAlive(): boolean {
    if (this.exitCode !== null && !this.crashed) {
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

  /** A Prometheus histogram's count and sum per value of one label (e.g. `stage`), from one scrape. */
  async histogramTotals(name: string, labelName: string): Promise<Record<string, { count: number; sum: number }> | null> {
    const text = await this.scrape();
    if (!text) return null;
    const totals: Record<string, { count: number; sum: number }> = {};
    for (const line of text.split('\n')) {
      const match = new RegExp(`^${name}_(count|sum)\\{[^}]*${labelName}="([^"]+)"[^}]*\\}\\s+(\\S+)`).exec(line);
      if (!match) continue;
      const entry = (totals[match[2]] ??= { count: 0, sum: 0 });
      entry[match[1] as 'count' | 'sum'] += Number(match[3]);
    }
    return totals;
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
