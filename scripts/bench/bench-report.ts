import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from 'pg';
import type { BenchConfig } from './bench.config';
import type { CpuProfileSummary } from './cpu-profile-summary';
import type { EndToEndLatencyResult, ProducerPerformanceResult } from './kafka-baselines';
import { loadAverage } from './proc-stats';
import type { WindowUsage } from './resource-sampler';
import { ratio, round, type LatencySummary } from './stats';

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
  /** Mean JSON size of the normalized events on bellwether.events.v1. */
  readonly kafkaValueBytes: number | null;
  readonly drainAfterMs: number;
  readonly drained: boolean;
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

export interface LatencyRun extends LoadFigures {
  readonly targetEventsPerSecond: number;
  readonly achievedEventsPerSecond: number | null;
  readonly skippedBatches: number;
  readonly probesSent: number;
  readonly probesAccepted: number;
  readonly probeEvents: number;
  readonly toScoreChangeMs: LatencySummary;
  readonly toAlertMs: LatencySummary;
  readonly probesWithoutScoreChange: number;
  readonly probesWithoutAlert: number;
  readonly scoreChangeSeenBeforeAck: number;
  readonly usage: WindowUsage;
  readonly consumerLoops: Record<string, ConsumerLoopStats>;
  readonly drainAfterMs: number | null;
}

export interface ScoringRun {
  readonly label: 'small' | 'large';
  readonly accounts: number;
  readonly eventsPreloaded: number;
  /** Scoring's consumer lag when it was started again. */
  readonly backlog: number;
  readonly preload: LoadFigures & { eventsPerSecond: number | null; usage: WindowUsage };
  readonly applied: number;
  readonly redelivered: number | null;
  readonly tooLate: number | null;
  readonly scoreChanges: number | null;
  readonly caughtUp: boolean;
  readonly startToReadyMs: number | null;
  readonly readyToFirstAppliedMs: number | null;
  readonly firstToLastAppliedMs: number | null;
  readonly eventsPerSecond: number | null;
  readonly lagAfter: number | null;
  readonly usage: WindowUsage;
  /** Heap in use of each service once everything caught up, MiB. */
  readonly heapUsedAfterMiB: Record<string, number | null>;
  /** Alerting and playbook catching up with the run's score changes afterwards. */
  readonly downstream: { scoreChanges: number; caughtUp: boolean; ms: number | null; changesPerSecond: number | null; usage: WindowUsage };
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
  readonly baselines: { producerPerformance: ProducerPerformanceResult | null; endToEndLatency: EndToEndLatencyResult | null };
  ingestion: IngestionRun | null;
  readonly latency: LatencyRun[];
  readonly scoring: ScoringRun[];
  readonly dayRoll: string;
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

export function evaluateGoals(report: BenchReport): Goal[] {
  const pp = report.baselines.producerPerformance;
  const ingestRatio = ratio(report.ingestion?.eventsPerSecond, pp?.recordsPerSecond);
  const at2000 = report.latency.find((run) => run.targetEventsPerSecond === 2000);
  const small = report.scoring.find((run) => run.label === 'small');
  const large = report.scoring.find((run) => run.label === 'large');
  const scoringRatio = ratio(large?.eventsPerSecond, small?.eventsPerSecond);
  const memory = ['ingestion', 'scoring', 'alerting', 'playbook'].map((service) => {
    const before = small ? peakRss(small, service) : null;
    const after = large ? peakRss(large, service) : null;
    return { service, before, after, growth: ratio(after, before) };
  });
  const memoryKnown = memory.every((entry) => entry.growth !== null);
  const memoryFlat = memoryKnown && memory.every((entry) => (entry.growth ?? Infinity) <= 1.2);
  const largeNote = large && large.accounts < 100_000 ? ` (ran ${fmt(large.accounts)} accounts, not 100,000)` : '';
  return [
    {
      goal: 'Ingestion ≥ 50 % of the ProducerPerformance rate',
      target: '≥ 0.5',
      measured: ingestRatio === null ? '—' : `${fmt(report.ingestion?.eventsPerSecond)} ÷ ${fmt(pp?.recordsPerSecond)} = ${fmt(ingestRatio, 3)}`,
      reached: ingestRatio === null ? 'not measured' : ingestRatio >= 0.5 ? 'reached' : 'not reached',
    },
    {
      goal: 'End-to-end p99 to a score change ≤ 250 ms at 2,000 events/s',
      target: '≤ 250 ms',
      measured: at2000 ? `${ms(at2000.toScoreChangeMs.p99)} (reached ${fmt(at2000.achievedEventsPerSecond)} events/s)` : '—',
      reached: !at2000 || at2000.toScoreChangeMs.p99 === null ? 'not measured' : at2000.toScoreChangeMs.p99 <= 250 && (at2000.achievedEventsPerSecond ?? 0) >= 1900 ? 'reached' : 'not reached',
    },
    {
      goal: `Scoring throughput at 100,000 accounts ≥ 80 % of that at 1,000${largeNote}`,
      target: '≥ 0.8',
      measured: scoringRatio === null ? '—' : `${fmt(large?.eventsPerSecond)} ÷ ${fmt(small?.eventsPerSecond)} = ${fmt(scoringRatio, 3)}`,
      reached: scoringRatio === null ? 'not measured' : scoringRatio >= 0.8 && (large?.accounts ?? 0) >= 100_000 ? 'reached' : 'not reached',
    },
    {
      goal: `Memory flat in the number of accounts${largeNote}`,
      target: 'peak RSS at large ≤ 1.2 × at 1,000, every service',
      measured: memoryKnown ? memory.map((entry) => `${entry.service} ${fmt(entry.before)}→${fmt(entry.after)} MiB`).join('; ') : '—',
      reached: !memoryKnown ? 'not measured' : memoryFlat && (large?.accounts ?? 0) >= 100_000 ? 'reached' : 'not reached',
    },
    {
      goal: 'Time and cost of one watermark day-roll over 100,000 accounts',
      target: 'measured',
      measured: report.dayRoll,
      reached: 'not measured',
    },
  ];
}

/**
 * Kafka's EndToEndLatency prints whole milliseconds (truncated), so a sub-millisecond p50 shows
 * as 0: ratios are then taken against 1 ms, and the baseline is shown as "< 1 ms".
 */
function wholeMs(value: number): { shown: string; forRatio: number } {
  return value < 1 ? { shown: '< 1 ms', forRatio: 1 } : { shown: ms(value), forRatio: value };
}

export function renderMarkdown(report: BenchReport): string {
  const pp = report.baselines.producerPerformance;
  const e2e = report.baselines.endToEndLatency;
  const e2eP50 = wholeMs(e2e?.p50Ms ?? 0);
  const e2eP99 = wholeMs(e2e?.p99Ms ?? 0);
  const ing = report.ingestion;
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

  line('# Benchmarks');
  line();
  line('Generated by `npm run bench` (`scripts/bench/run.sh`): the real stack, Kafka\'s own tools as the baseline on the');
  line('same broker and message size, and this project\'s load generator, in one run on one machine. Issue 7.');
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
      ['code', `the working tree as of ${report.builtAt ?? '?'}, compiled by run.sh into a private \`${report.config.buildDir}/dist\` so that other engineers' rebuilds of \`dist/\` during the run do not change what runs`],
      ['services', `four processes on ports ${report.config.basePort}–${report.config.basePort + 3}, \`CLOCK_MODE=event LOG_LEVEL=warn RATE_LIMIT_PER_SECOND=100000 RATE_LIMIT_BURST=100000\``],
      ['events', `${report.config.eventBytes} bytes of JSON each on the HTTP side (${ing?.kafkaValueBytes ? `${ing.kafkaValueBytes} bytes once normalized on bellwether.events.v1` : 'normalized size not sampled'}); batches of ${report.config.eventsPerBatch}`],
    ],
  );

  line('## Figures');
  line();
  line('Each of our figures with its baseline from Kafka\'s own tools and the ratio ours ÷ baseline.');
  line();
  const rows: string[][] = [];
  rows.push([
    '1. Ingestion at saturation (POST /v1/events, 202 after acks=all)',
    ing ? `${fmt(ing.eventsPerSecond)} events/s (${report.config.concurrency} in flight, ${report.config.seconds} s)` : '—',
    pp ? `ProducerPerformance ${fmt(pp.recordsPerSecond)} records/s` : '—',
    times(ratio(ing?.eventsPerSecond, pp?.recordsPerSecond)),
  ]);
  rows.push([
    '1. Ingestion request latency p50 / p99 (batch of 100)',
    ing ? `${ms(ing.requestMs.p50)} / ${ms(ing.requestMs.p99)}` : '—',
    pp ? `ProducerPerformance per record ${ms(pp.p50Ms)} / ${ms(pp.p99Ms)} (avg ${ms(pp.avgLatencyMs)})` : '—',
    ing && pp ? `${times(ratio(ing.requestMs.p50, pp.p50Ms))} / ${times(ratio(ing.requestMs.p99, pp.p99Ms))}` : '—',
  ]);
  for (const runAt of report.latency) {
    const reached = `target ${fmt(runAt.targetEventsPerSecond)}/s, reached ${fmt(runAt.achievedEventsPerSecond)}/s`;
    rows.push([
      `2. 202 → score change on bellwether.scores.v1, p50 / p99 (${reached})`,
      `${ms(runAt.toScoreChangeMs.p50)} / ${ms(runAt.toScoreChangeMs.p99)} (${runAt.toScoreChangeMs.count} probes)`,
      e2e ? `EndToEndLatency ${e2eP50.shown} / ${e2eP99.shown}` : '—',
      e2e ? `${times(ratio(runAt.toScoreChangeMs.p50, e2eP50.forRatio))} / ${times(ratio(runAt.toScoreChangeMs.p99, e2eP99.forRatio))}` : '—',
    ]);
    rows.push([
      `2. 202 → alert opened on bellwether.alerts.v1, p50 / p99 (${reached}; no queue API yet)`,
      `${ms(runAt.toAlertMs.p50)} / ${ms(runAt.toAlertMs.p99)} (${runAt.toAlertMs.count} probes)`,
      e2e ? `EndToEndLatency ${e2eP50.shown} / ${e2eP99.shown}` : '—',
      e2e ? `${times(ratio(runAt.toAlertMs.p50, e2eP50.forRatio))} / ${times(ratio(runAt.toAlertMs.p99, e2eP99.forRatio))}` : '—',
    ]);
  }
  const small = report.scoring.find((entry) => entry.label === 'small');
  const large = report.scoring.find((entry) => entry.label === 'large');
  for (const runScoring of report.scoring) {
    rows.push([
      `3. Scoring, events consumed and applied per second, ${fmt(runScoring.accounts)} accounts`,
      runScoring.caughtUp ? `${fmt(runScoring.eventsPerSecond)} events/s (${fmt(runScoring.applied)} events)` : `did not catch up: ${fmt(runScoring.applied)} of ${fmt(runScoring.backlog)} applied`,
      pp ? `ProducerPerformance ${fmt(pp.recordsPerSecond)} records/s` : '—',
      times(ratio(runScoring.eventsPerSecond, pp?.recordsPerSecond)),
    ]);
  }
  if (small && large) {
    rows.push([`3. Scoring at ${fmt(large.accounts)} ÷ at ${fmt(small.accounts)} accounts`, times(ratio(large.eventsPerSecond, small.eventsPerSecond)), 'the 1,000-account run', '—']);
  }
  rows.push(['3. Watermark day-roll over 100,000 accounts', report.dayRoll, '—', '—']);
  for (const service of ['ingestion', 'scoring', 'alerting', 'playbook']) {
    const before = small ? peakRss(small, service) : null;
    const after = large ? peakRss(large, service) : null;
    rows.push([`4. Peak RSS of ${service}, ${fmt(small?.accounts)} → ${fmt(large?.accounts)} accounts`, `${fmt(before)} → ${fmt(after)} MiB`, `the ${fmt(small?.accounts)}-account run`, times(ratio(after, before))]);
  }
  if (report.cpuProfile) {
    const top = report.cpuProfile.summary.topFunctions[0];
    rows.push([`5. CPU profile of the hottest service (${report.cpuProfile.service})`, top ? `top self time: \`${top.function}\` ${top.selfPercent} % (below)` : '—', '—', '—']);
  }
  table(['figure', 'ours', 'baseline', 'ratio'], rows);

  line('## Goals of issue 7');
  line();
  table(
    ['goal', 'target', 'measured', ''],
    evaluateGoals(report).map((goal) => [goal.goal, goal.target, goal.measured, `**${goal.reached}**`]),
  );

  line('## Details');
  line();
  line('### Baselines (Kafka 4.1.1 tools from the broker\'s jars)');
  line();
  if (pp) {
    line(`- ProducerPerformance, ${fmt(pp.records)} records of ${report.config.eventBytes} bytes, acks=all, a fresh topic of 6 partitions:`);
    line(`  \`${pp.summaryLine}\``);
    line(`  (\`${pp.command}\`)`);
  }
  if (e2e) {
    line(`- EndToEndLatency, ${fmt(e2e.messages)} messages of ${report.config.eventBytes} bytes, acks=all, one at a time (produce → consume round trip): ${e2e.summaryLines.map((entry) => `\`${entry.trim()}\``).join(' ')}`);
    line('  The tool prints whole milliseconds (truncated) for its percentiles; a 0 is shown as "< 1 ms" and the ratios are then taken against 1 ms.');
    line(`  (\`${e2e.command}\`)`);
  }
  line();

  if (ing) {
    line('### 1. Ingestion saturation');
    line();
    line(
      `${fmt(ing.requests)} requests, ${fmt(ing.acceptedEvents)} events accepted in ${fmt(ing.elapsedMs / 1000, 1)} s; answers ${JSON.stringify(ing.statuses)}. Request latency p50 ${ms(ing.requestMs.p50)}, p90 ${ms(ing.requestMs.p90)}, p99 ${ms(ing.requestMs.p99)}, max ${ms(ing.requestMs.max)}. The whole pipeline ran meanwhile (scoring, alerting and playbook consuming); it caught up ${fmt(ing.drainAfterMs / 1000, 1)} s after the load stopped${ing.drained ? '' : ' (**it had not caught up when the wait ended**)'}.`,
    );
    line();
    line(`CPU during the run (100 % = one core; the machine has ${m ? m.nproc : '?'} cores; ${machineNote(ing.usage)}):`);
    line();
    usageTable(ing.usage);
  }

  if (report.latency.length > 0) {
    line('### 2. End to end at a steady rate');
    line();
    line(
      `Background load: batches of ${report.config.eventsPerBatch} usage events for ${fmt(report.config.accountsSmall)} warm accounts on a fixed schedule (open loop, at most 64 requests in flight). Probes: every ${report.config.probeIntervalMs} ms a fresh account gets 3 events (owner CSM, NPS 2, payment failed) that turn it red; the clock starts at the 202 and stops when the benchmark's own consumer (a TopicTail from libs/kafka, reading from the end) sees the account's first score change on \`bellwether.scores.v1\`, and its first \`opened\` alert on \`bellwether.alerts.v1\`. There is no queue HTTP API yet, so the alert is measured on the topic, not "visible in the queue API".`,
    );
    line();
    table(
      ['target events/s', 'reached', 'requests p50 / p99', 'skipped batches', 'probes', '→ score change p50 / p90 / p99 / max', '→ alert p50 / p90 / p99 / max', 'missing (score / alert)'],
      report.latency.map((entry) => [
        fmt(entry.targetEventsPerSecond),
        fmt(entry.achievedEventsPerSecond),
        `${ms(entry.requestMs.p50)} / ${ms(entry.requestMs.p99)}`,
        fmt(entry.skippedBatches),
        `${entry.probesAccepted} of ${entry.probesSent}`,
        `${ms(entry.toScoreChangeMs.p50)} / ${ms(entry.toScoreChangeMs.p90)} / ${ms(entry.toScoreChangeMs.p99)} / ${ms(entry.toScoreChangeMs.max)}`,
        `${ms(entry.toAlertMs.p50)} / ${ms(entry.toAlertMs.p90)} / ${ms(entry.toAlertMs.p99)} / ${ms(entry.toAlertMs.max)}`,
        `${entry.probesWithoutScoreChange} / ${entry.probesWithoutAlert}`,
      ]),
    );
    line('Consumer loops during each run (from the services\' own `bellwether_kafka_batch_duration_seconds` and `bellwether_kafka_records_consumed_total`; a loop handles one partition batch at a time, from fetch to offset commit, so "busy" near 100 % means it is the bottleneck):');
    line();
    table(
      ['rate', 'consumer loop', 'batches', 'records per batch', 'mean batch', 'busy'],
      report.latency.flatMap((entry) =>
        Object.entries(entry.consumerLoops ?? {}).map(([loop, stats]) => [
          fmt(entry.targetEventsPerSecond),
          loop,
          fmt(stats.batches),
          fmt(stats.recordsPerBatch),
          ms(stats.meanBatchMs),
          stats.busyPercent === null ? '—' : `${fmt(stats.busyPercent)} %`,
        ]),
      ),
    );
    for (const entry of report.latency) {
      line(`CPU at ${fmt(entry.targetEventsPerSecond)} events/s (${machineNote(entry.usage)}):`);
      line();
      usageTable(entry.usage);
    }
  }

  if (report.scoring.length > 0) {
    line('### 3. Scoring throughput and 4. memory');
    line();
    line(
      'Scoring, alerting and playbook are stopped; the events are pre-loaded through ingestion as fast as it goes (so this is also a figure for ingestion alone); then scoring is started by itself and the benchmark polls its `bellwether_scoring_events_applied_total` (every 200 ms) until it reaches the backlog. The rate is counted from the first applied batch to the last; start-up and the group join are shown apart. Then alerting and playbook are started and timed until every consumer group and outbox is empty (not part of the scoring figure). Peak RSS: the highest 500 ms sample of /proc/<pid>/status VmRSS over the run, and VmHWM for scoring, alerting and playbook, which are fresh processes in each run (ingestion is not restarted: sampled peak during the pre-load only).',
    );
    line();
    table(
      ['accounts', 'events', 'pre-load (ingestion alone)', 'start → ready', 'ready → first applied', 'first → last applied', 'scoring events/s', 'applied / redelivered / too late', 'score changes', 'scoring CPU', 'alerting + playbook catch-up', 'peak RSS ingestion / scoring / alerting / playbook'],
      report.scoring.map((entry) => [
        fmt(entry.accounts),
        fmt(entry.backlog),
        `${fmt(entry.preload.eventsPerSecond)} events/s`,
        ms(entry.startToReadyMs),
        ms(entry.readyToFirstAppliedMs),
        ms(entry.firstToLastAppliedMs),
        entry.caughtUp ? `**${fmt(entry.eventsPerSecond)}**` : `not caught up (${fmt(entry.applied)} of ${fmt(entry.backlog)})`,
        `${fmt(entry.applied)} / ${fmt(entry.redelivered)} / ${fmt(entry.tooLate)}`,
        fmt(entry.scoreChanges),
        `${fmt(entry.usage.processes['scoring']?.cpuPercentOfCore)} % of a core`,
        entry.downstream.caughtUp ? `${fmt((entry.downstream.ms ?? 0) / 1000, 1)} s (${fmt(entry.downstream.changesPerSecond)} changes/s)` : `not caught up after ${fmt((entry.downstream.ms ?? 0) / 1000, 0)} s`,
        ['ingestion', 'scoring', 'alerting', 'playbook'].map((service) => `${fmt(peakRss(entry, service))}`).join(' / ') + ' MiB',
      ]),
    );
    line('Heap in use once everything had caught up (prom-client `nodejs_heap_size_used_bytes`; what the processes keep, as opposed to their peak working set):');
    line();
    table(
      ['accounts', 'ingestion', 'scoring', 'alerting', 'playbook'],
      report.scoring.map((entry) => [fmt(entry.accounts), ...['ingestion', 'scoring', 'alerting', 'playbook'].map((service) => `${fmt(entry.heapUsedAfterMiB?.[service])} MiB`)]),
    );
    for (const entry of report.scoring) {
      line(`CPU while scoring alone caught up with ${fmt(entry.accounts)} accounts (${machineNote(entry.usage)}):`);
      line();
      usageTable(entry.usage);
      line(`CPU while alerting and playbook caught up (${fmt(entry.accounts)} accounts; ${machineNote(entry.downstream.usage)}):`);
      line();
      usageTable(entry.downstream.usage);
    }
  }
  line(`Watermark day-roll: ${report.dayRoll}.`);
  line();

  if (report.cpuProfile) {
    const profile = report.cpuProfile;
    line(`### 5. CPU profile: ${profile.service}`);
    line();
    line(
      `\`${profile.service}\` ${profile.reason === 'BENCH_PROFILE_SERVICE' ? 'was chosen with BENCH_PROFILE_SERVICE' : `used the ${profile.reason}`}. It was restarted under \`node --cpu-prof --cpu-prof-dir=reports/bench/profiles\` and given ${profile.seconds} s of the same saturation load (${fmt(profile.loadEventsPerSecond)} events/s while profiled). The profile covers ${fmt(profile.summary.durationMs / 1000, 1)} s including start-up, ${fmt(profile.summary.busyMs / 1000, 1)} s of it busy; percentages are of the busy time. Summarized by \`scripts/bench/cpu-profile-summary.ts\` (self time per function from the samples).`,
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
  line('Service logs (`LOG_LEVEL=warn`, so only warnings and worse are written; `reports/bench/logs/<service>.log`):');
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
  for (const [service, scan] of Object.entries(report.serviceLogs)) {
    if (scan.messages.length === 0) continue;
    line(`First line of each warn+ message of ${service}:`);
    line();
    line('```');
    for (const entry of scan.messages.slice(0, 6)) line(entry.first);
    line('```');
    line();
  }

  line('## Running it');
  line();
  line('`npm run bench` needs what `scripts/test.sh` needs (Node 20, Java 17, Maven, PostgreSQL, Redis). It starts what is down,');
  line('builds, drops the bench database\'s service schemas, runs the phases above and stops everything it started, also on failure.');
  line('Develop with short runs, e.g. `BENCH_SECONDS=5 BENCH_LATENCY_SECONDS=5 BENCH_ACCOUNTS_LARGE=5000 BENCH_KAFKA_RECORDS=100000 BENCH_DOCS_DIR=reports/bench/dev npm run bench`.');
  line();
  table(
    ['variable', 'this run', 'meaning'],
    [
      ['BENCH_SECONDS', String(report.config.seconds), 'length of the ingestion saturation run'],
      ['BENCH_CONCURRENCY', String(report.config.concurrency), 'requests in flight during saturation and pre-loads'],
      ['BENCH_RATES', report.config.latencyRates.join(','), 'steady rates of the end-to-end runs, events/s'],
      ['BENCH_LATENCY_SECONDS', String(report.config.latencySeconds), 'length of each end-to-end run'],
      ['BENCH_PROBE_INTERVAL_MS', String(report.config.probeIntervalMs), 'one probe account every … ms'],
      ['BENCH_ACCOUNTS_SMALL / BENCH_ACCOUNTS_LARGE', `${report.config.accountsSmall} / ${report.config.accountsLarge}`, 'accounts of the two scoring runs'],
      ['BENCH_SCORING_EVENTS', String(report.config.scoringEvents), 'events pre-loaded for each scoring run'],
      ['BENCH_KAFKA_RECORDS / BENCH_KAFKA_E2E_MESSAGES', `${report.config.kafkaPerfRecords} / ${report.config.kafkaE2eMessages}`, 'size of the two Kafka baselines'],
      ['BENCH_PROFILE_SECONDS', String(report.config.profileSeconds), 'load while the hottest service is profiled'],
      ['BENCH_DRAIN_TIMEOUT_SECONDS', String(report.config.drainTimeoutMs / 1000), 'longest wait for the consumers to catch up'],
      ['BENCH_EVENT_BYTES / BENCH_BATCH_EVENTS', `${report.config.eventBytes} / ${report.config.eventsPerBatch}`, 'event size and batch size'],
      ['BENCH_PROFILE_SERVICE', '', 'profile this service instead of the one that used the most CPU during saturation'],
      ['BENCH_DB, BENCH_REDIS_DB, BENCH_BASE_PORT', '', 'database (its name must contain "bench"), Redis db (not 0 or 1), first of the four ports'],
      ['BENCH_KEEP_TOPICS, BENCH_KEEP_KAFKA, BENCH_DOCS_DIR', '', 'keep the run\'s topics, leave running a Kafka the run started, where the report goes'],
    ],
  );
  line('The same numbers, machine-readable: `benchmarks.json` next to this page. The "What stands in the way" section comes from');
  line('`scripts/bench/what-stands-in-the-way.md`; after editing it, re-render this page from the JSON without running anything:');
  line('`npx tsc -p tsconfig.build.json && node -r ./tools/runtime/register-paths.js dist/scripts/bench/bench-report.js docs/benchmarks.json`.');
  return out.join('\n') + '\n';

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
  const written = writeReports(report, join(jsonPath, '..'));
  process.stdout.write(`re-rendered ${written.join(' and ')}\n`);
}
