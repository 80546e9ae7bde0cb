import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/** Linux /proc readings: memory and CPU time of a process, and of the machine. */

const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcessMemory {
  /** Resident set size now, bytes. */
  readonly rssBytes: number;
  /** Peak resident set size over the process's life (VmHWM), bytes. */
  readonly hwmBytes: number;
}

export function processMemory(pid: number): ProcessMemory | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { rssBytes: kibField(status, 'VmRSS') * 1024, hwmBytes: kibField(status, 'VmHWM') * 1024 };
  } catch {
    return null;
  }
}

/**
 * Resets a process's peak RSS (VmHWM) to its current RSS (Linux ≥ 4.0: "5" into
 * /proc/<pid>/clear_refs), so that VmHWM afterwards is the peak of what follows. False when the
 * kernel or the permissions do not allow it.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

function kibField(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : 0;
}

/** User + system CPU seconds a process has used so far (null once it is gone). */
export function processCpuSeconds(pid: number): number | null {
  try {
    return cpuSecondsFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

function cpuSecondsFromStat(stat: string): number {
  // Fields after the command name (which may hold spaces) start at field 3 (state).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / CLOCK_TICKS_PER_SECOND;
}

/** CPU seconds of every process whose command name is `comm` (e.g. all postgres backends). */
export function commandCpuSeconds(comm: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (name === comm) total += cpuSecondsFromStat(stat);
    } catch {
      // the process ended while we looked
    }
  }
  return total;
}

/**
 * CPU seconds of the whole machine (all cores), from /proc/stat: busy (user, nice, system, irq,
 * softirq), steal (taken by the hypervisor for other guests) and total (the first eight fields;
 * guest time is already inside user).
 */
export function machineCpuSeconds(): { busy: number; steal: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq;
  return { busy: busy / CLOCK_TICKS_PER_SECOND, steal: steal / CLOCK_TICKS_PER_SECOND, total: (busy + idle + iowait + steal) / CLOCK_TICKS_PER_SECOND };
}

/** The pid of the first process whose command line (arguments joined by spaces) `matches`, or null. */
export function findProcess(matches: (cmdline: string) => boolean): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (matches(readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' '))) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return null;
}

export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
}
