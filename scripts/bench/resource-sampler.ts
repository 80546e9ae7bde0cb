import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchService } from './bench-service';
import { commandCpuSeconds, findProcess, machineCpuSeconds, processCpuSeconds } from './proc-stats';
import { round } from './stats';

export interface ProcessUsage {
  /** CPU seconds used during the window. */
  readonly cpuSeconds: number | null;
  /** CPU used as a share of one core over the window, percent. */
  readonly cpuPercentOfCore: number | null;
  /** Highest RSS seen by the 500 ms sampler, MiB (services only). */
  readonly peakRssMiB?: number | null;
  /** The process's lifetime peak (VmHWM) at the end of the window, MiB (services only). */
  readonly vmHwmMiB?: number | null;
}

export interface WindowUsage {
  readonly seconds: number;
  /** Every process of the machine, all cores: busy CPU seconds and share of the machine. */
  readonly machineBusyPercent: number | null;
  /** CPU the hypervisor gave to other guests, percent of the machine. */
  readonly stealPercent: number | null;
  readonly processes: Record<string, ProcessUsage>;
}

const MiB = 1024 * 1024;

/**
 * Watches a phase: CPU seconds of each service, the broker, Postgres, Redis and the benchmark
 * itself between `start` and `stop`, and the services' RSS every 500 ms.
 */
export class ResourceSampler {
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  private cpuAtStart = new Map<string, number | null>();
  private machineAtStart = { busy: 0, steal: 0, total: 0 };
  private benchCpuAtStart = process.cpuUsage();
  private readonly peakRss = new Map<string, number>();
  private foundKafkaPid: number | null | undefined = undefined;

  constructor(
    private readonly services: readonly BenchService[],
    private readonly kafkaHomeDir: string,
  ) {}

  start(): void {
    this.startedAt = Date.now();
    this.cpuAtStart = this.cpuNow();
    this.machineAtStart = machineCpuSeconds();
    this.benchCpuAtStart = process.cpuUsage();
    this.peakRss.clear();
    this.sample();
    this.timer = setInterval(() => this.sample(), 500);
  }

  stop(): WindowUsage {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    const seconds = (Date.now() - this.startedAt) / 1000;
    const cpuAtEnd = this.cpuNow();
    const machine = machineCpuSeconds();
    const bench = process.cpuUsage(this.benchCpuAtStart);
    const processes: Record<string, ProcessUsage> = {};
    const usage = (cpu: number | null): Pick<ProcessUsage, 'cpuSeconds' | 'cpuPercentOfCore'> => ({
      cpuSeconds: round(cpu, 2),
      cpuPercentOfCore: cpu === null || seconds === 0 ? null : round((100 * cpu) / seconds, 0),
    });
    for (const [name, atEnd] of cpuAtEnd) {
      const atStart = this.cpuAtStart.get(name) ?? null;
      // Negative when processes counted at the start ended (Postgres backends of a stopped service): unknown then.
      const cpu = atEnd === null || atStart === null || atEnd < atStart ? null : atEnd - atStart;
      const service = this.services.find((candidate) => candidate.name === name);
      if (service) {
        const hwm = service.memory()?.hwmBytes;
        processes[name] = { ...usage(cpu), peakRssMiB: round((this.peakRss.get(name) ?? 0) / MiB, 0), vmHwmMiB: hwm === undefined ? null : round(hwm / MiB, 0) };
      } else {
        processes[name] = usage(cpu);
      }
    }
    processes['bench driver (load generator)'] = usage((bench.user + bench.system) / 1e6);
    const busy = machine.busy - this.machineAtStart.busy;
    const attributed = Object.values(processes).reduce((sum, entry) => sum + (entry.cpuSeconds ?? 0), 0);
    processes['everything else (kernel, short-lived and other users\' processes)'] = usage(Math.max(0, busy - attributed));
    const totalDelta = machine.total - this.machineAtStart.total;
    return {
      seconds: round(seconds, 1) ?? 0,
      machineBusyPercent: totalDelta > 0 ? round((100 * busy) / totalDelta, 0) : null,
      stealPercent: totalDelta > 0 ? round((100 * (machine.steal - this.machineAtStart.steal)) / totalDelta, 1) : null,
      processes,
    };
  }

  private sample(): void {
    for (const service of this.services) {
      const rss = service.memory()?.rssBytes;
      if (rss !== undefined) this.peakRss.set(service.name, Math.max(this.peakRss.get(service.name) ?? 0, rss));
    }
  }

  private cpuNow(): Map<string, number | null> {
    const cpu = new Map<string, number | null>();
    for (const service of this.services) cpu.set(service.name, service.cpuSeconds());
    cpu.set('kafka broker', this.kafkaPid() === null ? null : processCpuSeconds(this.kafkaPid() ?? 0));
    cpu.set('postgres (all backends, shared)', commandCpuSeconds('postgres'));
    cpu.set('redis-server (shared)', commandCpuSeconds('redis-server'));
    return cpu;
  }

  /** The broker's pid: scripts/kafka.sh's pid file, else (a broker another checkout started) the process running kafka.Kafka. */
  private kafkaPid(): number | null {
    try {
      const pid = Number(readFileSync(join(this.kafkaHomeDir, 'kafka.pid'), 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0) return pid;
    } catch {
      // not started by this checkout's scripts/kafka.sh
    }
    this.foundKafkaPid ??= findProcess((cmdline) => cmdline.includes('kafka.Kafka'));
    return this.foundKafkaPid;
  }
}
