import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from 'pg';
import { type BenchConfig, type BenchPhase, benchPhases } from './bench.config';
import type { CpuProfileSummary } from './cpu-profile-summary';
import type { EndToEndLatencyResult, ProducerPerformanceResult } from './kafka-baselines';
import { loadAverage } from './proc-stats';
import type { WindowUsage } from './resource-sampler';
import { ratio, round, spread, summarize, type LatencySummary } from './stats';

const run = promisify(execFile);

export interface LoadFigures {
  readonly requests: number;
  readonly acceptedEvents: number;
  readonly elapsedMs: number;
  readonly requestMs: LatencySummary;
  readonly statuses: Record<string, number>;
  readonly problems: string[];
}

export interface IngestionRun extends LoadFigures {
  readonly eventsPerSecond: number | null;
  readonly usage: WindowUsage;
  /** Time until every consumer group and outbox was empty after the load stopped. */
  readonly drainAfterMs: number | null;
  readonly drained: boolean | null;
}

/** One ingestion round: Kafka's ProducerPerformance, then ours with the pipeline running, then ours alone. */
export interface IngestionRound {
  readonly round: number;
  readonly producerPerformance: ProducerPerformanceResult | null;
  readonly withPipeline: IngestionRun | null;
  readonly alone: IngestionRun | null;
}

export interface ConsumerLoopStats {
  readonly batches: number;
  readonly records: number;
  readonly recordsPerBatch: number | null;
  /** Mean time from receiving a partition batch to its offset commit. */
  readonly meanBatchMs: number | null;
  /** Seconds spent in batches ÷ seconds of the window: near 100 % the loop is saturated. */
  readonly busyPercent: number | null;
}

/** The probes' stages as ms after the 202 (`fromAck`) and the steps between stages, each summarized over the probes. */
export interface StageBreakdown {
  readonly fromAck: Record<string, LatencySummary>;
  readonly steps: Record<string, LatencySummary>;
  /** Stages that could not be read (a missing column, say). */
  readonly problems: string[];
}

export interface LatencyRun extends LoadFigures {
  readonly round: number;
  /** Kafka's EndToEndLatency, run just before this round. */
  readonly endToEndLatency: EndToEndLatencyResult | null;
  readonly targetEventsPerSecond: number;
  readonly achievedEventsPerSecond: number | null;
  readonly skippedBatches: number;
  readonly probesSent: number;
  readonly probesAccepted: number;
  readonly probeEvents: number;
  readonly toScoreChangeMs: LatencySummary;
  readonly toAlertMs: LatencySummary;
  /** Every probe's 202 → score change and 202 → alert, ms (whole), so a rate's rounds can be pooled; absent in older reports. */
  readonly toScoreChangeSamplesMs?: readonly number[];
  readonly toAlertSamplesMs?: readonly number[];
  readonly probesWithoutScoreChange: number;
  readonly probesWithoutAlert: number;
  readonly scoreChangeSeenBeforeAck: number;
  readonly stages: StageBreakdown;
  /** Every consumer group's lag: its highest 1 s sample during the load, and when all were 0 after the load stopped. */
  readonly lag: { maxByGroup: Record<string, number>; zeroAfterMs: number; zeroWithinTimeout: boolean; lastByGroup: Record<string, number> };
  readonly usage: WindowUsage;
  readonly consumerLoops: Record<string, ConsumerLoopStats>;
  /** Scoring's events batches: mean ms per batch of each stage (`bellwether_scoring_batch_stage_seconds`); absent in older reports. */
  readonly scoringStages?: Record<string, number>;
}

export interface ScoringRun {
  /** small: new accounts (the small set); warm-up: one event for each of the large set (new accounts); large: the warmed large set. */
  readonly label: 'small' | 'warm-up' | 'large';
  readonly accounts: number;
  readonly eventsPreloaded: number;
  /** Scoring's consumer lag when it was started again. */
  readonly backlog: number;
  readonly preload: LoadFigures & { eventsPerSecond: number | null; usage: WindowUsage };
  readonly applied: number;
  readonly redelivered: number | null;
  readonly tooLate: number | null;
  readonly scoreChanges: number | null;
  /** Account evaluations written (scoring.account_state rows inserted + updated, less the day-roll's). */
  readonly evaluations: number | null;
  readonly dayRollAccounts: number | null;
  readonly caughtUp: boolean;
  readonly startToReadyMs: number | null;
  readonly readyToFirstAppliedMs: number | null;
  readonly firstToLastAppliedMs: number | null;
  readonly eventsPerSecond: number | null;
  readonly evaluationsPerSecond: number | null;
  readonly changesPerSecond: number | null;
  readonly lagAfter: number | null;
  readonly usage: WindowUsage;
  /** Heap in use of each service once everything caught up, MiB. */
  readonly heapUsedAfterMiB: Record<string, number | null>;
  /** Alerting and playbook catching up with the run's score changes afterwards. */
  readonly downstream: { scoreChanges: number; caughtUp: boolean; ms: number | null; changesPerSecond: number | null; usage: WindowUsage };
}

/** One day-roll brought on by advanceEventsWatermark. */
export interface DayRollStep {
  readonly label: string;
  readonly watermarkTo: string;
  /** The day boundary the roll closes every account through. */
  readonly target: string;
  readonly finished: boolean;
  readonly ms: number | null;
  readonly accountsClosed: number | null;
  readonly scoreChanges: number | null;
  readonly idleRssMiB: number | null;
  readonly peakRssMiB: number | null;
  readonly usage: WindowUsage;
  readonly downstreamMs: number | null;
  readonly downstreamCaughtUp: boolean;
}

export interface MachineFacts {
  readonly nproc: number;
  readonly memoryGiB: number;
  readonly cpuModel: string;
  readonly kernel: string;
  readonly node: string;
  readonly java: string;
  readonly kafka: string;
  readonly postgres: string;
  readonly redis: string;
  readonly loadAverageAtStart: string;
}

export interface LogScan {
  readonly lines: number;
  readonly byLevel: Record<string, number>;
  /** Distinct warn+ messages with their count and the first line seen. */
  readonly messages: { level: string; msg: string; count: number; first: string }[];
}

export interface BenchReport {
  readonly startedAt: string;
  finishedAt: string | null;
  /** When run.sh compiled the tree this run executes. */
  readonly builtAt: string | null;
  readonly command: string;
  readonly config: BenchConfig;
  machine: MachineFacts | null;
  /** ProducerPerformance's payload file: values sampled from bellwether.events.v1. */
  payload: { file: string; records: number; meanValueBytes: number; meanKeyBytes: number } | null;
  readonly ingestion: IngestionRound[];
  readonly latency: LatencyRun[];
  readonly scoring: ScoringRun[];
  dayRoll: { accounts: number; gracePeriodHours: number; steps: DayRollStep[] } | null;
  /** Phases not run because the time budget was spent. */
  readonly skipped: string[];
  cpuProfile: { service: string; reason: string; loadEventsPerSecond: number | null; seconds: number; summary: CpuProfileSummary } | null;
  readonly problems: { phase: string; problem: string; logLines: string[] }[];
  readonly serviceLogs: Record<string, LogScan>;
}

export async function machineFacts(db: Client): Promise<MachineFacts> {
  const cpuinfo = safeRead('/proc/cpuinfo');
  const meminfo = safeRead('/proc/meminfo');
  const memKiB = Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? totalmem() / 1024);
  const java = await run('java', ['-version']).then(
    ({ stderr }) => stderr.split('\n').slice(0, 2).join(' / ').trim(),
    () => 'unknown',
  );
  const kafkaVersion = /^KAFKA_VERSION="([^"]+)"/m.exec(safeRead('scripts/kafka.sh'))?.[1] ?? 'unknown';
  const postgres = await db.query<{ version: string }>('SELECT version()').then(
    (result) => (result.rows[0]?.version ?? 'unknown').split(' on ')[0] ?? 'unknown',
    () => 'unknown',
  );
  const redis = await run('redis-server', ['--version']).then(
    ({ stdout }) => /v=(\S+)/.exec(stdout)?.[1] ?? stdout.trim(),
    () => 'unknown',
  );
  return {
    nproc: cpus().length,
    memoryGiB: round(memKiB / 1024 / 1024, 1) ?? 0,
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown',
    kernel: `Linux ${release()}`,
    node: process.version,
    java,
    kafka: `Apache Kafka ${kafkaVersion} (single-node KRaft, scripts/kafka.sh)`,
    postgres,
    redis: `Redis ${redis}`,
    loadAverageAtStart: loadAverage(),
  };
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The phases a report's run ran (reports written before BENCH_PHASES ran them all). */
function phasesOf(report: BenchReport): readonly BenchPhase[] {
  return (report.config as Partial<BenchConfig>).phases ?? benchPhases;
}

/** Counts a service log's lines by level and groups the warn+ messages. */
export function scanServiceLog(path: string): LogScan {
  const byLevel: Record<string, number> = {};
  const messages = new Map<string, { level: string; msg: string; count: number; first: string }>();
  let lines = 0;
  for (const line of safeRead(path).split('\n')) {
    if (!line.trim()) continue;
    lines += 1;
    let level = 'unparsed';
    let msg = line.slice(0, 200);
    try {
      const parsed = JSON.parse(line) as { level?: string | number; msg?: string };
      level = String(parsed.level ?? 'unknown');
      msg = String(parsed.msg ?? '').slice(0, 200);
    } catch {
      // a non-JSON line (a crash trace): keep it as it is
    }
    byLevel[level] = (byLevel[level] ?? 0) + 1;
    if (level === 'info' || level === 'debug' || level === 'trace') continue;
    const key = `${level}|${msg}`;
    const entry = messages.get(key) ?? { level, msg, count: 0, first: line.slice(0, 600) };
    entry.count += 1;
    messages.set(key, entry);
  }
  return { lines, byLevel, messages: [...messages.values()].sort((a, b) => b.count - a.count).slice(0, 12) };
}

// ── rendering ─────────────────────────────────────────────────────────────────────────────────

const fmt = (value: number | null | undefined, digits = 0): string => {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
};
const ms = (value: number | null | undefined): string => (value === null || value === undefined ? '—' : `${fmt(value, value < 10 ? 1 : 0)} ms`);
const times = (value: number | null | undefined): string => (value === null || value === undefined ? '—' : `${fmt(value, value < 10 ? 3 : 1)}×`);

function machineNote(usage: WindowUsage): string {
  return `machine ${fmt(usage.machineBusyPercent)} % busy over ${fmt(usage.seconds, 1)} s, hypervisor steal ${fmt(usage.stealPercent, 1)} %`;
}

export interface Goal {
  readonly goal: string;
  readonly target: string;
  readonly measured: string;
  readonly reached: 'reached' | 'not reached' | 'not measured';
}

function peakRss(run: ScoringRun, service: string): number | null {
  const values = [run.preload.usage, run.usage, run.downstream.usage].flatMap((usage) => [usage.processes[service]?.peakRssMiB, service === 'ingestion' ? null : usage.processes[service]?.vmHwmMiB]).filter(
    (value): value is number => typeof value === 'number' && value > 0,
  );
  return values.length ? Math.max(...values) : null;
}

const services = ['ingestion', 'scoring', 'alerting', 'playbook'];

/** `median (min–max, n rounds)` of a spread, with a unit formatter. */
function spreadText(values: readonly (number | null | undefined)[], show: (value: number | null) => string): string {
  const figure = spread(values);
  if (figure.n === 0) return '—';
  if (figure.n === 1) return `${show(figure.median)} (1 round)`;
  return `${show(figure.median)} (${show(figure.min)}–${show(figure.max)}, ${figure.n} rounds)`;
}

function ingestionRatios(report: BenchReport, which: 'withPipeline' | 'alone'): (number | null)[] {
  return report.ingestion.map((entry) => ratio(entry[which]?.eventsPerSecond, entry.producerPerformance?.recordsPerSecond));
}

/** The issue's targets, each with what this run measured (median and range over the rounds) and whether it is reached. */
export function evaluateGoals(report: BenchReport): Goal[] {
  const at2000 = report.latency.filter((entry) => entry.targetEventsPerSecond === 2000);
  const at10000 = report.latency.filter((entry) => entry.targetEventsPerSecond === 10_000);
  const small = report.scoring.find((entry) => entry.label === 'small');
  const large = report.scoring.find((entry) => entry.label === 'large');
  const scoringRatio = ratio(large?.eventsPerSecond, small?.eventsPerSecond);
  const memory = services.map((service) => {
    const before = small ? peakRss(small, service) : null;
    const after = large ? peakRss(large, service) : null;
    return { service, before, after, growth: ratio(after, before) };
  });
  const memoryKnown = memory.every((entry) => entry.growth !== null);
  const largeEnough = (large?.accounts ?? 0) >= 100_000;
  const largeNote = large && !largeEnough ? ` (ran ${fmt(large.accounts)} accounts, not 100,000)` : '';
  // The p99s pool every probe of the rate's rounds (the same load, repeated): at least 1,000 probes in all.
  const pooled = (runs: readonly LatencyRun[], pick: (entry: LatencyRun) => readonly number[] | undefined): LatencySummary => summarize(runs.flatMap((entry) => pick(entry) ?? []));
  const pooledScore = pooled(at2000, (entry) => entry.toScoreChangeSamplesMs);
  const pooledAlert = pooled(at2000, (entry) => entry.toAlertSamplesMs);
  const enoughProbes = pooledScore.count >= 1000;
  const pooledText = (summary: LatencySummary, pick: (entry: LatencyRun) => LatencySummary): string =>
    summary.count === 0
      ? '—'
      : `${ms(summary.p99)} over ${fmt(summary.count)} probes of ${at2000.length} round${at2000.length === 1 ? '' : 's'} (per round: ${spreadText(at2000.map((entry) => pick(entry).p99), ms)})${enoughProbes ? '' : '; fewer than 1,000 probes'}`;
  const reachedMax = (value: number | null, limit: number, valid = true): Goal['reached'] => (value === null ? 'not measured' : value <= limit && valid ? 'reached' : 'not reached');
  const alone = spread(ingestionRatios(report, 'alone'));
  const lagZero = spread(at10000.map((entry) => (entry.lag.zeroWithinTimeout ? entry.lag.zeroAfterMs : null)));
  const lagAll = at10000.length > 0 && at10000.every((entry) => entry.lag.zeroWithinTimeout && entry.lag.zeroAfterMs <= 5000);
  const roll = report.dayRoll?.steps.find((step) => step.label === 'one day');
  const rollRss = roll ? ratio(roll.peakRssMiB, roll.idleRssMiB) : null;
  return [
    {
      goal: '202 → score change p99 at 2,000 events/s (≥ 1,000 probes)',
      target: '≤ 250 ms',
      measured: pooledText(pooledScore, (entry) => entry.toScoreChangeMs),
      reached: reachedMax(pooledScore.p99, 250, enoughProbes),
    },
    {
      goal: '202 → alert opened p99 at 2,000 events/s',
      target: '≤ 400 ms',
      measured: pooledText(pooledAlert, (entry) => entry.toAlertMs),
      reached: reachedMax(pooledAlert.p99, 400, enoughProbes),
    },
    {
      goal: `scoring events/s, ${fmt(large?.accounts)} warmed accounts ÷ ${fmt(small?.accounts)} accounts${largeNote}`,
      target: '≥ 0.8',
      measured: scoringRatio === null ? '—' : `${fmt(large?.eventsPerSecond)} ÷ ${fmt(small?.eventsPerSecond)} = ${fmt(scoringRatio, 3)} (1 run each)`,
      reached: scoringRatio === null ? 'not measured' : scoringRatio >= 0.8 && largeEnough ? 'reached' : 'not reached',
    },
    {
      goal: `day-roll of ${fmt(report.dayRoll?.accounts ?? null)} accounts (one day)${report.dayRoll && report.dayRoll.accounts < 100_000 ? ' (not 100,000)' : ''}`,
      target: '≤ 60 s, RSS ≤ 1.2× idle',
      measured: roll ? `${roll.finished ? `${fmt((roll.ms ?? 0) / 1000, 1)} s` : 'did not finish'}; scoring RSS ${fmt(roll.idleRssMiB)} MiB idle → ${fmt(roll.peakRssMiB)} MiB peak = ${times(rollRss)} (1 run)` : '—',
      reached: !roll || !roll.finished ? 'not measured' : (roll.ms ?? Infinity) <= 60_000 && (rollRss ?? Infinity) <= 1.2 && (report.dayRoll?.accounts ?? 0) >= 100_000 ? 'reached' : 'not reached',
    },
    {
      goal: 'ingestion alone ÷ ProducerPerformance (same moment, same records)',
      target: '≥ 0.35',
      measured: `${spreadText(ingestionRatios(report, 'alone'), (value) => fmt(value, 3))}; with the pipeline running ${spreadText(ingestionRatios(report, 'withPipeline'), (value) => fmt(value, 3))}`,
      reached: alone.median === null ? 'not measured' : alone.median >= 0.35 ? 'reached' : 'not reached',
    },
    {
      goal: `peak RSS at ${fmt(large?.accounts)} ÷ at ${fmt(small?.accounts)} accounts, every service${largeNote}`,
      target: '≤ 1.2×',
      measured: memoryKnown ? memory.map((entry) => `${entry.service} ${fmt(entry.before)}→${fmt(entry.after)} MiB (${times(entry.growth)})`).join('; ') : '—',
      reached: !memoryKnown ? 'not measured' : memory.every((entry) => (entry.growth ?? Infinity) <= 1.2) && largeEnough ? 'reached' : 'not reached',
    },
    {
      goal: 'every consumer keeps up with 10,000 events/s (lag back to 0 after the load stops)',
      target: '≤ 5 s',
      measured:
        at10000.length === 0
          ? '—'
          : `${spreadText(at10000.map((entry) => (entry.lag.zeroWithinTimeout ? entry.lag.zeroAfterMs : null)), ms)}${at10000.some((entry) => !entry.lag.zeroWithinTimeout) ? ' (a round never got back to 0)' : ''}; reached ${spreadText(at10000.map((entry) => entry.achievedEventsPerSecond), (value) => `${fmt(value)}/s`)}`,
      reached: lagZero.median === null ? 'not measured' : lagAll ? 'reached' : 'not reached',
    },
  ];
}

/**
 * Kafka's EndToEndLatency prints whole milliseconds (truncated), so a sub-millisecond p50 shows
 * as 0: it is shown as "< 1 ms".
 */
function wholeMs(value: number | null): string {
  return value === null ? '—' : value < 1 ? '< 1 ms' : ms(value);
}

export function renderMarkdown(report: BenchReport): string {
  const out: string[] = [];
  const line = (text = ''): void => void out.push(text);
  const table = (header: string[], rows: string[][]): void => {
    line(`| ${header.join(' | ')} |`);
    line(`| ${header.map(() => '---').join(' | ')} |`);
    for (const row of rows) line(`| ${row.join(' | ')} |`);
    line();
  };
  const m = report.machine;
  const durationMin = report.finishedAt ? ((Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 60000).toFixed(1) : '?';
  const payload = report.payload;

  line('# Benchmarks');
  line();
  line('Generated by `npm run bench` (`scripts/bench/run.sh`): the real stack and Kafka\'s own tools on the same broker, in one');
  line('run on one machine, each of our repeated figures next to its Kafka baseline (interleaved, round by round). Issues 7 and 17.');
  line('Timing is never asserted in tests; this page reports it. Re-run it and commit the result to refresh this page.');
  line();
  table(
    ['', ''],
    [
      ['date', `${report.startedAt} (${durationMin} min)`],
      ['command', `\`${report.command}\``],
      ['machine', m ? `${m.nproc} vCPU (${m.cpuModel}), ${m.memoryGiB} GiB RAM, ${m.kernel}` : '—'],
      ['load average at start', m ? `${m.loadAverageAtStart} (the cores are shared with other engineers' test runs)` : '—'],
      ['runtimes', m ? `Node ${m.node}; ${m.java}` : '—'],
      ['infrastructure', m ? `${m.kafka}; ${m.postgres}; ${m.redis} — all on this machine, traffic only on 127.0.0.1` : '—'],
      ['isolation', `topics and consumer groups under \`KAFKA_NAMESPACE=${report.config.namespace}\` (deleted at the end), database \`${new URL(report.config.databaseUrl).pathname.slice(1)}\` (service schemas dropped at the start), Redis db ${new URL(report.config.redisUrl).pathname.slice(1) || '0'}`],
      ['code', `the working tree as of ${report.builtAt ?? '?'}, compiled by run.sh into a private \`${report.config.buildDir}/dist\``],
      ['services', `four processes on ports ${report.config.basePort}–${report.config.basePort + 3}, \`CLOCK_MODE=event LOG_LEVEL=warn RATE_LIMIT_PER_SECOND=100000 RATE_LIMIT_BURST=100000 GRACE_PERIOD_HOURS=${report.config.gracePeriodHours}\``],
      ['events', `${report.config.eventBytes} bytes of JSON each on the HTTP side, batches of ${report.config.eventsPerBatch}; ${payload ? `${payload.meanValueBytes} bytes of value once normalized on bellwether.events.v1, keyed by account (${payload.meanKeyBytes} bytes)` : 'normalized size not sampled'}`],
      ['rounds', `${report.config.repeats} of each repeated figure; medians with their range (min–max)`],
    ],
  );

  line('## Targets (issue 17)');
  line();
  table(
    ['figure', 'target', 'measured (median, range)', 'reached?'],
    evaluateGoals(report).map((goal) => [goal.goal, goal.target, goal.measured, `**${goal.reached}**`]),
  );
  const phases = phasesOf(report);
  const leftOut = benchPhases.filter((phase) => !phases.includes(phase));
  if (leftOut.length > 0) {
    line(`**A partial run** (BENCH_PHASES=${phases.join(',')}): the ${leftOut.join(', ')} phase(s) were left out, so their figures read "not measured".`);
    line();
  }
  if (report.skipped.length > 0) {
    line(`Skipped, the time budget (BENCH_BUDGET_MINUTES=${report.config.budgetMinutes}) being spent: ${report.skipped.join('; ')}.`);
    line();
  }

  line('## Baselines and ingestion, round by round');
  line();
  line(
    `Each round runs Kafka's ProducerPerformance, then ingestion saturated for ${report.config.seconds} s (${report.config.concurrency} requests of ${report.config.eventsPerBatch} events in flight, 202 after acks=all) with the whole pipeline consuming, then again with scoring, alerting and playbook stopped (ingestion alone: only ingestion, Redis and the broker work); the consumers are started again and catch up before the next round. ` +
      `ProducerPerformance sends values drawn from ${payload ? `\`${payload.file}\`: ${fmt(payload.records)} records read back from bellwether.events.v1 in this run (${payload.meanValueBytes} bytes on average)` : `${report.config.eventBytes} random bytes`}, to a fresh topic with the events topic's partition count. **It cannot send keys**: its records have none (Java's sticky partitioner fills one partition's batch at a time), while ours carry the account id as key (${payload ? `${payload.meanKeyBytes} bytes` : '—'}), so the sizes match but the batching does not quite.`,
  );
  line();
  table(
    ['round', 'ProducerPerformance records/s (p50 / p99)', 'ours with the pipeline, events/s (requests p50 / p99)', 'ratio', 'ours alone, events/s (requests p50 / p99)', 'ratio', 'caught up after'],
    report.ingestion.map((entry) => [
      String(entry.round),
      entry.producerPerformance ? `${fmt(entry.producerPerformance.recordsPerSecond)} (${ms(entry.producerPerformance.p50Ms)} / ${ms(entry.producerPerformance.p99Ms)})` : '—',
      entry.withPipeline ? `${fmt(entry.withPipeline.eventsPerSecond)} (${ms(entry.withPipeline.requestMs.p50)} / ${ms(entry.withPipeline.requestMs.p99)})` : '—',
      times(ratio(entry.withPipeline?.eventsPerSecond, entry.producerPerformance?.recordsPerSecond)),
      entry.alone ? `${fmt(entry.alone.eventsPerSecond)} (${ms(entry.alone.requestMs.p50)} / ${ms(entry.alone.requestMs.p99)})` : '—',
      times(ratio(entry.alone?.eventsPerSecond, entry.producerPerformance?.recordsPerSecond)),
      `${entry.withPipeline?.drainAfterMs === null || entry.withPipeline === null ? '—' : `${fmt(entry.withPipeline.drainAfterMs / 1000, 1)} s`} / ${entry.alone?.drainAfterMs === null || entry.alone === null ? '—' : `${fmt(entry.alone.drainAfterMs / 1000, 1)} s`}`,
    ]),
  );
  line(`Median (range): ProducerPerformance ${spreadText(report.ingestion.map((entry) => entry.producerPerformance?.recordsPerSecond), (value) => `${fmt(value)} records/s`)}; ours with the pipeline ${spreadText(report.ingestion.map((entry) => entry.withPipeline?.eventsPerSecond), (value) => `${fmt(value)} events/s`)}; ours alone ${spreadText(report.ingestion.map((entry) => entry.alone?.eventsPerSecond), (value) => `${fmt(value)} events/s`)}. The ratios are taken round by round (ours ÷ the baseline run just before it).`);
  line();
  line('Command lines of the baselines:');
  line();
  for (const entry of report.ingestion) if (entry.producerPerformance) line(`- round ${entry.round}: \`${entry.producerPerformance.command}\` → \`${entry.producerPerformance.summaryLine}\``);
  for (const entry of report.latency) if (entry.endToEndLatency) line(`- ${fmt(entry.targetEventsPerSecond)}/s round ${entry.round}: \`${entry.endToEndLatency.command}\` → ${entry.endToEndLatency.summaryLines.map((text) => `\`${text.trim()}\``).join(' ')}`);
  line();
  const lastIngestion = report.ingestion[report.ingestion.length - 1];
  if (lastIngestion?.withPipeline) {
    line(`CPU in the last round with the pipeline running (100 % = one core; ${machineNote(lastIngestion.withPipeline.usage)}):`);
    line();
    usageTable(lastIngestion.withPipeline.usage);
  }
  if (lastIngestion?.alone) {
    line(`CPU in the last round, ingestion alone (${machineNote(lastIngestion.alone.usage)}):`);
    line();
    usageTable(lastIngestion.alone.usage);
  }

  if (report.latency.length > 0) {
    line('## End to end at a steady rate');
    line();
    line(
      `Background load: batches of ${report.config.eventsPerBatch} usage events for ${fmt(report.config.accountsSmall)} warm accounts on a fixed schedule (open loop, at most 64 requests in flight), for ${report.config.latencySeconds} s a round. Probes: every ${report.config.probeIntervalMs} ms the next background batch carries a fresh account's 3 events (owner CSM, NPS 2, payment failed) that turn it red, in place of 3 usage events (so probes add no request and no event to the load; before 2026-12-08 they were requests of their own, every 18 ms, and 55 new red accounts a second made alerting and playbook a large part of the load). The clock starts at the 202 of the batch that carried it; the benchmark's own reader (kafkajs, from the end, its own group) stamps when it sees the account's first record on \`bellwether.scores.v1\` and its first \`opened\` on \`bellwether.alerts.v1\`. Kafka's EndToEndLatency (one message at a time, produce → consume) runs just before each round.`,
    );
    line();
    table(
      ['rate', 'round', 'reached', 'probes', '→ score change p50 / p99 / max', '→ alert p50 / p99 / max', 'EndToEndLatency p50 / p99', 'max lag (group: records)', 'lag 0 after the load stopped'],
      report.latency.map((entry) => [
        fmt(entry.targetEventsPerSecond),
        String(entry.round),
        fmt(entry.achievedEventsPerSecond),
        `${entry.toScoreChangeMs.count} of ${entry.probesSent}${entry.probesWithoutScoreChange + entry.probesWithoutAlert > 0 ? ` (missing ${entry.probesWithoutScoreChange} / ${entry.probesWithoutAlert})` : ''}`,
        `${ms(entry.toScoreChangeMs.p50)} / ${ms(entry.toScoreChangeMs.p99)} / ${ms(entry.toScoreChangeMs.max)}`,
        `${ms(entry.toAlertMs.p50)} / ${ms(entry.toAlertMs.p99)} / ${ms(entry.toAlertMs.max)}`,
        entry.endToEndLatency ? `${wholeMs(entry.endToEndLatency.p50Ms)} / ${wholeMs(entry.endToEndLatency.p99Ms)}` : '—',
        Object.entries(entry.lag.maxByGroup).map(([group, lag]) => `${group.replace('bellwether-', '')}: ${fmt(lag)}`).join('<br>') || '—',
        entry.lag.zeroWithinTimeout ? ms(entry.lag.zeroAfterMs) : `not within ${fmt(entry.lag.zeroAfterMs / 1000)} s`,
      ]),
    );
    for (const rate of [...new Set(report.latency.map((entry) => entry.targetEventsPerSecond))]) {
      const runs = report.latency.filter((entry) => entry.targetEventsPerSecond === rate);
      line(`At ${fmt(rate)} events/s, pooled over the ${runs.length} round${runs.length === 1 ? '' : 's'}: → score change p99 ${ms(summarize(runs.flatMap((entry) => entry.toScoreChangeSamplesMs ?? [])).p99)}, → alert p99 ${ms(summarize(runs.flatMap((entry) => entry.toAlertSamplesMs ?? [])).p99)}; median (range) of the rounds' p99s: → score change ${spreadText(runs.map((entry) => entry.toScoreChangeMs.p99), ms)}; → alert ${spreadText(runs.map((entry) => entry.toAlertMs.p99), ms)}; EndToEndLatency p99 ${spreadText(runs.map((entry) => entry.endToEndLatency?.p99Ms), wholeMs)} (the tool prints whole milliseconds, truncated).`);
      line();
    }
    line('### Per stage');
    line();
    line(
      'Each probe\'s stages, as ms after its 202 (p50 / p99 over the probes of a round; negative = before the 202). The times come from the Kafka record timestamps (CreateTime, stamped by the producing service when it sent), `scoring.score_history.created_at` (`clock_timestamp()` of the batch\'s write statement, just before its commit), `alerting.alerts.updated_at` of revision 1 (Postgres `now()`: the start of alerting\'s writing transaction, so "alert committed" is when that transaction began), and the benchmark\'s own reader. The machine\'s one clock serves all of them. Not stored anywhere: when ingestion finished validating/deduplicating (before its produce), and the commit itself.',
    );
    line();
    const stageNames = Object.keys(report.latency[0]?.stages.fromAck ?? {});
    table(
      ['rate / round', ...stageNames],
      report.latency.map((entry) => [`${fmt(entry.targetEventsPerSecond)} / ${entry.round}`, ...stageNames.map((name) => summaryPair(entry.stages.fromAck[name]))]),
    );
    const stepNames = Object.keys(report.latency[0]?.stages.steps ?? {});
    line('The steps between consecutive stages (p50 / p99):');
    line();
    table(
      ['rate / round', ...stepNames],
      report.latency.map((entry) => [`${fmt(entry.targetEventsPerSecond)} / ${entry.round}`, ...stepNames.map((name) => summaryPair(entry.stages.steps[name]))]),
    );
    const stageProblems = [...new Set(report.latency.flatMap((entry) => entry.stages.problems))];
    if (stageProblems.length > 0) {
      line(`Stages that could not be read: ${stageProblems.join('; ')}.`);
      line();
    }
    line('Consumer loops during each round (the services\' own `bellwether_kafka_batch_duration_seconds` and `bellwether_kafka_records_consumed_total`; "busy" = seconds in batches ÷ seconds of the round, over all partitions a loop handles at once, so it can pass 100 % when partitions run concurrently):');
    line();
    table(
      ['rate / round', 'consumer loop', 'batches', 'records per batch', 'mean batch', 'busy'],
      report.latency.flatMap((entry) =>
        Object.entries(entry.consumerLoops ?? {}).map(([loop, stats]) => [
          `${fmt(entry.targetEventsPerSecond)} / ${entry.round}`,
          loop,
          fmt(stats.batches),
          fmt(stats.recordsPerBatch),
          ms(stats.meanBatchMs),
          stats.busyPercent === null ? '—' : `${fmt(stats.busyPercent)} %`,
        ]),
      ),
    );
    const staged = report.latency.filter((entry) => entry.scoringStages && Object.keys(entry.scoringStages).length > 0);
    if (staged.length > 0) {
      line(
        "Scoring's events batches by stage, mean ms per batch (`bellwether_scoring_batch_stage_seconds`: the claim-and-lock statement, the evaluation in memory, the write statement, the commit, the cache invalidation and publish after it; the rest of a consumer-loop batch is decoding, the offset commit and the heartbeat):",
      );
      line();
      const stageNames = [...new Set(staged.flatMap((entry) => Object.keys(entry.scoringStages ?? {})))];
      table(
        ['rate / round', ...stageNames, 'consumer-loop batch'],
        staged.map((entry) => [
          `${fmt(entry.targetEventsPerSecond)} / ${entry.round}`,
          ...stageNames.map((stage) => ms(entry.scoringStages?.[stage] ?? null)),
          ms(entry.consumerLoops['scoring ← bellwether.events.v1']?.meanBatchMs ?? null),
        ]),
      );
    }
    for (const rate of [...new Set(report.latency.map((entry) => entry.targetEventsPerSecond))]) {
      const lastRun = report.latency.filter((entry) => entry.targetEventsPerSecond === rate).pop();
      if (!lastRun) continue;
      line(`CPU at ${fmt(rate)} events/s, last round (${machineNote(lastRun.usage)}):`);
      line();
      usageTable(lastRun.usage);
    }
  }

  if (report.scoring.length > 0) {
    line('## Scoring at scale, and memory');
    line();
    line(
      'Scoring, alerting and playbook are stopped; the events are pre-loaded through ingestion (round robin over the accounts, event times spread over the last 14 days); then scoring is started by itself and the benchmark polls its counters (every 200 ms) until it applied the backlog. Rates are counted from the first applied batch to the last; start-up and the group join are shown apart. **small**: the small set of accounts, new at the start. **warm-up**: one event for each account of the large set, so every one has state (the new-account case at scale). **large**: the events over the warmed large set. Evaluations: rows of `scoring.account_state` inserted or updated (Postgres\' statistics; scoring writes each account it evaluated once per batch), less the accounts the day-roll closed meanwhile. Then alerting and playbook are started and timed until every consumer group and outbox is empty. Peak RSS: the highest 500 ms sample of VmRSS over the run, and VmHWM for scoring, alerting and playbook (fresh processes in each run; ingestion is not restarted, so its figure is the sampled peak during the pre-load).',
    );
    line();
    table(
      ['run', 'accounts', 'events', 'pre-load', 'start → ready', 'first → last applied', 'events/s', 'evaluations (/s)', 'score changes (/s)', 'scoring CPU', 'alerting + playbook catch-up', 'peak RSS ingestion / scoring / alerting / playbook'],
      report.scoring.map((entry) => [
        entry.label,
        fmt(entry.accounts),
        fmt(entry.backlog),
        `${fmt(entry.preload.eventsPerSecond)} events/s`,
        ms(entry.startToReadyMs),
        ms(entry.firstToLastAppliedMs),
        entry.caughtUp ? `**${fmt(entry.eventsPerSecond)}**` : `not caught up (${fmt(entry.applied)} of ${fmt(entry.backlog)})`,
        `${fmt(entry.evaluations)} (${fmt(entry.evaluationsPerSecond)}/s)`,
        `${fmt(entry.scoreChanges)} (${fmt(entry.changesPerSecond)}/s)`,
        `${fmt(entry.usage.processes['scoring']?.cpuPercentOfCore)} % of a core`,
        entry.downstream.caughtUp ? `${fmt((entry.downstream.ms ?? 0) / 1000, 1)} s for ${fmt(entry.downstream.scoreChanges)} changes (${fmt(entry.downstream.changesPerSecond)}/s)` : `not caught up after ${fmt((entry.downstream.ms ?? 0) / 1000, 0)} s`,
        services.map((service) => `${fmt(peakRss(entry, service))}`).join(' / ') + ' MiB',
      ]),
    );
    line('Heap in use once everything had caught up (prom-client `nodejs_heap_size_used_bytes`):');
    line();
    table(
      ['run', 'accounts', ...services],
      report.scoring.map((entry) => [entry.label, fmt(entry.accounts), ...services.map((service) => `${fmt(entry.heapUsedAfterMiB?.[service])} MiB`)]),
    );
    for (const entry of report.scoring) {
      line(`CPU while scoring alone caught up (${entry.label}, ${fmt(entry.accounts)} accounts; ${machineNote(entry.usage)}):`);
      line();
      usageTable(entry.usage);
    }
  }

  line('## Day-roll');
  line();
  if (report.dayRoll) {
    line(
      `Brought on by \`advanceEventsWatermark\` (libs/testing): one valid event per partition of bellwether.events.v1, written straight to the topic with an event time two grace periods (GRACE_PERIOD_HOURS=${report.dayRoll.gracePeriodHours}) and an hour past the day boundary to close (ingestion refuses event times more than 300 s ahead, so no request can do it). First a catch-up roll to today's midnight UTC (every account closed through today), then the measured roll of one more day over every account scoring holds (the large set, the small set, the probes). Scoring is restarted before the first roll; before each roll it rests 3 s and its RSS then is "idle" (a warm process at rest for the measured roll, a fresh one for the catch-up); the peak is its VmHWM (reset just before the roll through /proc/<pid>/clear_refs) and the 500 ms samples during the roll. Timed from the send until \`scoring.watermark\` shows the roll finished (\`rolled_through\` at the boundary, no \`roll_target\`); the restart's group join is not in the time, the consumption of the watermark records is.`,
    );
    line();
    table(
      ['roll', 'through', 'time', 'accounts closed', 'score changes', 'scoring RSS idle → peak', 'scoring CPU', 'alerting + playbook caught up after'],
      report.dayRoll.steps.map((step) => [
        step.label,
        step.target,
        step.finished ? `**${fmt((step.ms ?? 0) / 1000, 1)} s**` : 'did not finish',
        fmt(step.accountsClosed),
        fmt(step.scoreChanges),
        `${fmt(step.idleRssMiB)} → ${fmt(step.peakRssMiB)} MiB (${times(ratio(step.peakRssMiB, step.idleRssMiB))})`,
        `${fmt(step.usage.processes['scoring']?.cpuSeconds, 1)} s`,
        step.downstreamCaughtUp ? `${fmt((step.downstreamMs ?? 0) / 1000, 1)} s` : `not within ${fmt((step.downstreamMs ?? 0) / 1000)} s`,
      ]),
    );
  } else {
    line('Not measured in this run (BENCH_DAY_ROLL=0, or skipped: see the problems).');
    line();
  }

  if (report.cpuProfile) {
    const profile = report.cpuProfile;
    line(`## CPU profile: ${profile.service}`);
    line();
    line(
      `\`${profile.service}\` ${profile.reason === 'BENCH_PROFILE_SERVICE' ? 'was chosen with BENCH_PROFILE_SERVICE' : `used the ${profile.reason}`}. It was restarted under \`node --cpu-prof\` and given ${profile.seconds} s of the saturation load (${fmt(profile.loadEventsPerSecond)} events/s while profiled). The profile covers ${fmt(profile.summary.durationMs / 1000, 1)} s including start-up, ${fmt(profile.summary.busyMs / 1000, 1)} s of it busy; percentages are of the busy time.`,
    );
    line();
    table(
      ['#', 'function', 'where', 'self ms', 'self %'],
      profile.summary.topFunctions.map((entry, index) => [String(index + 1), `\`${entry.function}\``, `\`${entry.location || entry.package}\``, fmt(entry.selfMs), `${fmt(entry.selfPercent, 1)} %`]),
    );
    line('Self time by package:');
    line();
    table(
      ['package', 'self ms', 'self %'],
      profile.summary.byPackage.map((entry) => [`\`${entry.package}\``, fmt(entry.selfMs), `${fmt(entry.selfPercent, 1)} %`]),
    );
  }

  line('## What stands in the way');
  line();
  const analysisPath = join(process.cwd(), 'scripts', 'bench', 'what-stands-in-the-way.md');
  if (existsSync(analysisPath)) {
    line(readFileSync(analysisPath, 'utf8').trim());
  } else {
    line('(scripts/bench/what-stands-in-the-way.md is missing)');
  }
  line();

  line('## Problems seen during the run');
  line();
  if (report.problems.length === 0) line('None: every phase completed and every service stayed up.');
  for (const problem of report.problems) {
    line(`- **${problem.phase}**: ${problem.problem.split('\n')[0]}`);
    const rest = [...problem.problem.split('\n').slice(1), ...problem.logLines];
    if (rest.length > 0) {
      line('  ```');
      for (const entry of rest.slice(0, 40)) line(`  ${entry.slice(0, 400)}`);
      line('  ```');
    }
  }
  line();
  line('Service logs (`LOG_LEVEL=warn`; `reports/bench/logs/<service>.log`):');
  line();
  table(
    ['service', 'lines', 'by level', 'most frequent warn+ messages'],
    Object.entries(report.serviceLogs).map(([service, scan]) => [
      service,
      fmt(scan.lines),
      Object.entries(scan.byLevel)
        .map(([level, count]) => `${level} ${count}`)
        .join(', ') || '—',
      scan.messages.map((entry) => `${entry.level} ×${entry.count}: ${entry.msg.replace(/\|/g, '\\|')}`).join('<br>') || '—',
    ]),
  );

  line('## Running it');
  line();
  line('`npm run bench` needs what `scripts/test.sh` needs (Node 20, Java 17, Maven, PostgreSQL, Redis). It starts what is down (a broker');
  line('that already answers on KAFKA_BROKERS is used and left alone), builds, drops the bench database\'s service schemas, runs the');
  line('phases above and stops everything it started, also on failure. Phases that would start after BENCH_BUDGET_MINUTES are skipped.');
  line('Develop with short runs, e.g. `BENCH_REPEATS=1 BENCH_SECONDS=5 BENCH_LATENCY_SECONDS=4 BENCH_PROBE_INTERVAL_MS=20 BENCH_RATES=2000 BENCH_ACCOUNTS_SMALL=200 BENCH_ACCOUNTS_LARGE=2000 BENCH_SMALL_EVENTS=10000 BENCH_SCALE_EVENTS=20000 BENCH_KAFKA_RECORDS=100000 BENCH_KAFKA_E2E_MESSAGES=500 BENCH_DOCS_DIR=reports/bench/dev npm run bench`.');
  line();
  const c = report.config;
  table(
    ['variable', 'this run', 'meaning'],
    [
      ['BENCH_REPEATS', String(c.repeats), 'rounds of each repeated figure (ingestion, latency), each beside its Kafka baseline'],
      ['BENCH_SECONDS', String(c.seconds), 'length of each ingestion saturation run'],
      ['BENCH_CONCURRENCY', String(c.concurrency), 'requests in flight during saturation and pre-loads'],
      ['BENCH_RATES', c.latencyRates.join(','), 'steady rates of the end-to-end runs, events/s'],
      ['BENCH_LATENCY_SECONDS / BENCH_PROBE_INTERVAL_MS', `${c.latencySeconds} / ${c.probeIntervalMs}`, 'length of each end-to-end round; a probe account in the next batch every … ms (p99s pool the rounds)'],
      ['BENCH_ACCOUNTS_SMALL / BENCH_ACCOUNTS_LARGE', `${c.accountsSmall} / ${c.accountsLarge}`, 'accounts of the small and the large (warmed) scoring runs'],
      ['BENCH_SMALL_EVENTS / BENCH_SCALE_EVENTS', `${c.smallEvents} / ${c.scaleEvents}`, 'events pre-loaded for the small run and over the warmed large set'],
      ['BENCH_KAFKA_RECORDS / BENCH_KAFKA_E2E_MESSAGES', `${c.kafkaPerfRecords} / ${c.kafkaE2eMessages}`, 'size of each ProducerPerformance and EndToEndLatency run'],
      ['BENCH_PROFILE_SECONDS / BENCH_PROFILE_SERVICE', `${c.profileSeconds} /`, 'load while the hottest (or the named) service is profiled; 0 skips'],
      ['BENCH_PHASES', phasesOf(report).join(','), 'the phases to run (development runs); all by default'],
      ['BENCH_SERVICE_ENV', Object.entries((c as Partial<BenchConfig>).serviceEnv ?? {}).map(([name, value]) => `${name}=${value}`).join(','), 'settings given to every service on top of the bench\'s (comparisons)'],
      ['BENCH_DAY_ROLL / BENCH_GRACE_PERIOD_HOURS', `${c.dayRoll ? 1 : 0} / ${c.gracePeriodHours}`, 'measure the day-roll (0 skips); the services\' grace period'],
      ['BENCH_DRAIN_TIMEOUT_SECONDS / BENCH_BUDGET_MINUTES', `${c.drainTimeoutMs / 1000} / ${c.budgetMinutes}`, 'longest wait for the consumers to catch up; phases starting later than this are skipped'],
      ['BENCH_EVENT_BYTES / BENCH_BATCH_EVENTS', `${c.eventBytes} / ${c.eventsPerBatch}`, 'event size on the HTTP side and batch size'],
      ['BENCH_DB, BENCH_REDIS_DB, BENCH_BASE_PORT', '', 'database (its name must contain "bench"), Redis db (not 0 or 1), first of the four ports'],
      ['BENCH_KEEP_TOPICS, BENCH_KEEP_KAFKA, BENCH_DOCS_DIR', '', 'keep the run\'s topics, leave running a Kafka the run started, where the report goes'],
    ],
  );
  line('The same numbers, machine-readable: `benchmarks.json` next to this page. The "What stands in the way" section comes from');
  line('`scripts/bench/what-stands-in-the-way.md`; after editing it, re-render this page from the JSON without running anything:');
  line('`npx tsc -p tsconfig.build.json && node -r ./tools/runtime/register-paths.js dist/scripts/bench/bench-report.js docs/benchmarks.json`.');
  return out.join('\n') + '\n';

  function summaryPair(summary: LatencySummary | undefined): string {
    return summary && summary.count > 0 ? `${ms(summary.p50)} / ${ms(summary.p99)}` : '—';
  }

  function usageTable(usage: WindowUsage): void {
    table(
      ['process', 'CPU s', '% of a core', 'peak RSS'],
      Object.entries(usage.processes).map(([name, entry]) => [
        name,
        fmt(entry.cpuSeconds, 1),
        entry.cpuPercentOfCore === null ? '—' : `${fmt(entry.cpuPercentOfCore)} %`,
        entry.peakRssMiB ? `${fmt(entry.peakRssMiB)} MiB` : '',
      ]),
    );
  }
}

/** Writes benchmarks.md and benchmarks.json into `dir`; returns their paths. */
export function writeReports(report: BenchReport, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const jsonPath = join(dir, 'benchmarks.json');
  const mdPath = join(dir, 'benchmarks.md');
  const goals = evaluateGoals(report);
  writeFileSync(jsonPath, `${JSON.stringify({ ...report, goals }, null, 2)}\n`);
  writeFileSync(mdPath, renderMarkdown(report));
  return [mdPath, jsonPath];
}

/**
 * Re-renders benchmarks.md from a run's benchmarks.json (e.g. after editing
 * scripts/bench/what-stands-in-the-way.md), without running anything:
 *   node dist/scripts/bench/bench-report.js docs/benchmarks.json
 */
if (require.main === module) {
  const jsonPath = process.argv[2] ?? 'docs/benchmarks.json';
  const { goals: _goals, ...report } = JSON.parse(readFileSync(jsonPath, 'utf8')) as BenchReport & { goals: unknown };
  if (!Array.isArray(report.ingestion) || !Array.isArray(report.skipped)) {
    process.stderr.write(`${jsonPath} was written by an older benchmark (before issue 17's rounds); re-run npm run bench to get a page in today's shape\n`);
    process.exit(1);
  }
  const written = writeReports(report, join(jsonPath, '..'));
  process.stdout.write(`re-rendered ${written.join(' and ')}\n`);
}
