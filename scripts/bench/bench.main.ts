/* eslint-disable no-console -- the benchmark reports its progress on stdout */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { Topics } from '@bellwether/contracts';
import { KafkaConnection } from '@bellwether/kafka';
import { advanceEventsWatermark, readPipelineState } from '@bellwether/testing';
import { stackServiceEnv, unlimitedIngestRate } from '../common/service-child';
import { BenchService, serviceNames, type ConsumerTotals, type ServiceName } from './bench-service';
import { loadBenchConfig, type BenchConfig, type BenchPhase } from './bench.config';
import { summarizeCpuProfile } from './cpu-profile-summary';
import { EventFactory, IngestClient, runClosedLoop, runSteadyRate, type LoadBody, type LoadResult } from './ingest-load';
import { createTopic, endToEndLatency, producerPerformance, writePayloadFile } from './kafka-baselines';
import { PipelineObserver } from './pipeline-observer';
import { machineFacts, scanServiceLog, writeReports, type BenchReport, type ConsumerLoopStats, type DayRollStep, type IngestionRun, type LatencyRun, type StageBreakdown } from './bench-report';
import { resetPeakRss } from './proc-stats';
import { ResourceSampler, type WindowUsage } from './resource-sampler';
import { StageTail, type ProbeStamps } from './stage-tail';
import { round, sleep, summarize } from './stats';

const run = promisify(execFile);

function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

class Bench {
  private readonly connection: KafkaConnection;
  private readonly db: Client;
  private readonly services: Record<ServiceName, BenchService>;
  private readonly observer: PipelineObserver;
  private readonly events: EventFactory;
  private readonly sampler: ResourceSampler;
  private client: IngestClient | null = null;
  private key = '';
  private smallCursor = 0;
  private readonly startedAtMs = Date.now();
  private payloadFile: string | null = null;
  private stageTail: StageTail | null = null;
  readonly report: BenchReport;

  constructor(private readonly config: BenchConfig) {
    this.connection = new KafkaConnection({ brokers: config.brokers.split(','), clientId: 'bellwether-bench', namespace: config.namespace });
    this.db = new Client({ connectionString: config.databaseUrl });
    const env = { ...stackServiceEnv(config, 'warn'), ...unlimitedIngestRate, GRACE_PERIOD_HOURS: String(config.gracePeriodHours), ...config.serviceEnv };
    const ports: Record<ServiceName, number> = { ingestion: config.basePort, scoring: config.basePort + 1, alerting: config.basePort + 2, playbook: config.basePort + 3 };
    this.services = {
      ingestion: new BenchService('ingestion', ports.ingestion, env, config.workDir, config.buildDir),
      scoring: new BenchService('scoring', ports.scoring, env, config.workDir, config.buildDir),
      alerting: new BenchService('alerting', ports.alerting, env, config.workDir, config.buildDir),
      playbook: new BenchService('playbook', ports.playbook, env, config.workDir, config.buildDir),
    };
    this.observer = new PipelineObserver(this.connection, this.db);
    this.events = new EventFactory(config.namespace.replace(/[^a-z0-9]/g, ''), config.eventBytes);
    this.sampler = new ResourceSampler(Object.values(this.services), process.env['KAFKA_HOME_DIR'] ?? '.cache/kafka');
    this.report = {
      startedAt: new Date().toISOString(),
      finishedAt: null,
      builtAt: builtAt(config.buildDir),
      command: commandLine(),
      config: { ...config },
      machine: null,
      payload: null,
      ingestion: [],
      latency: [],
      scoring: [],
      dayRoll: null,
      cpuProfile: null,
      skipped: [],
      problems: [],
      serviceLogs: {},
    };
  }

  private get all(): BenchService[] {
    return serviceNames.map((name) => this.services[name]);
  }

  private healthy(): boolean {
    let ok = true;
    for (const service of this.all) {
      if (!service.checkAlive()) ok = false;
    }
    return ok;
  }

  /** Runs one phase; a failure is written into the report and the next phases still run. */
  private async phase(name: string, work: () => Promise<void>): Promise<boolean> {
    const spentMinutes = (Date.now() - this.startedAtMs) / 60_000;
    if (spentMinutes > this.config.budgetMinutes) {
      log(`── ${name}: SKIPPED (${spentMinutes.toFixed(1)} min spent, budget BENCH_BUDGET_MINUTES=${this.config.budgetMinutes})`);
      this.report.skipped.push(name);
      return false;
    }
    log(`── ${name}`);
    const started = Date.now();
    try {
      await work();
      if (!this.healthy()) throw new Error('a service exited during the phase');
      log(`   ${name} done in ${Math.round((Date.now() - started) / 1000)} s`);
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`   ${name} FAILED: ${message}`);
      this.report.problems.push({ phase: name, problem: message, logLines: this.crashLogs() });
      return false;
    }
  }

  private crashLogs(): string[] {
    const lines: string[] = [];
    for (const service of this.all) {
      if (service.crashed) lines.push(`${service.name} exited (${service.crashed.code}) at ${service.crashed.at}; last log lines:`, ...service.crashed.logTail);
    }
    return lines;
  }

  async run(): Promise<void> {
    mkdirSync(this.config.workDir, { recursive: true });
    await this.db.connect();
    this.report.machine = await machineFacts(this.db);
    log(`namespace ${this.config.namespace}; database ${new URL(this.config.databaseUrl).pathname.slice(1)}; services on :${this.config.basePort}-${this.config.basePort + 3}`);

    const started = await this.phase('start the four services', () => this.startServices());
    if (!started) return;
    await this.observer.connect();
    await this.phase('payload: sample the normalized events ingestion writes', () => this.samplePayload());
    const hottest: { service: ServiceName } = { service: 'ingestion' };
    const runs = (phase: BenchPhase): boolean => this.config.phases.includes(phase);
    for (let n = 1; runs('ingestion') && n <= this.config.repeats; n += 1) {
      await this.phase(`ingestion round ${n}: ProducerPerformance, ours with the pipeline, ours alone`, async () => {
        hottest.service = await this.ingestionRound(n);
      });
    }
    for (const rate of runs('latency') ? this.config.latencyRates : []) {
      for (let n = 1; n <= this.config.repeats; n += 1) {
        await this.phase(`end to end at ${rate} events/s, round ${n}: EndToEndLatency, then ours`, () => this.latencyRound(rate, n));
      }
    }
    await this.stageTail?.stop().catch(() => undefined);
    this.stageTail = null;
    if (runs('scoring')) {
      await this.phase(`scoring, ${this.config.accountsSmall} new accounts`, () => this.scoringRun('small', this.config.accountsSmall, this.config.smallEvents, 'acct-small-'));
      await this.phase(`scoring, ${this.config.accountsLarge} new accounts (the warm-up: one event each)`, () => this.scoringRun('warm-up', this.config.accountsLarge, this.config.accountsLarge, 'acct-large-'));
      await this.phase(`scoring, ${this.config.accountsLarge} warmed accounts`, () => this.scoringRun('large', this.config.accountsLarge, this.config.scaleEvents, 'acct-large-'));
    }
    if (runs('profile') && this.config.profileSeconds > 0) {
      const profiled = (process.env['BENCH_PROFILE_SERVICE'] as ServiceName | undefined) ?? hottest.service;
      if (!serviceNames.includes(profiled)) throw new Error(`BENCH_PROFILE_SERVICE must be one of ${serviceNames.join(', ')}`);
      await this.phase(`CPU profile of ${profiled === hottest.service ? 'the hottest service' : profiled}`, () => this.cpuProfile(profiled, profiled === hottest.service));
    }
    // Last: it carries the pipeline's event time days ahead of the wall clock.
    if (runs('day-roll') && this.config.dayRoll) await this.phase(`day-roll over ${this.config.accountsLarge} accounts`, () => this.dayRoll());
  }

  async shutdown(): Promise<void> {
    this.client?.close();
    await Promise.all(this.all.map((service) => service.stop().catch(() => undefined)));
    for (const service of this.all) this.report.serviceLogs[service.name] = scanServiceLog(service.logPath);
    await this.observer.disconnect().catch(() => undefined);
    if (!this.config.keepTopics) {
      await this.connection.deleteNamespaceTopics().catch((error: unknown) => log(`could not delete the run's topics: ${String(error)}`));
    }
    await this.db.end().catch(() => undefined);
  }

  // ── phases ────────────────────────────────────────────────────────────────────────────────

  private async startServices(): Promise<void> {
    // Ingestion first: it creates the contract's topics (in this run's namespace).
    await this.startWithOneRetry(this.services.ingestion, 'start the four services');
    await Promise.all(['scoring', 'alerting', 'playbook'].map((name) => this.startWithOneRetry(this.services[name as ServiceName], 'start the four services')));
    const { stdout } = await run(
      process.execPath,
      ['-r', `./${join(this.config.buildDir, 'tools/runtime/register-paths.js')}`, join(this.config.buildDir, 'dist/apps/ingestion/src/cli/keys.cli.js'), 'create', '--name', `bench-${this.config.namespace.replace(/\.$/, '')}`, '--scopes', 'ingest,accounts:write'],
      { env: { ...process.env, DATABASE_URL: this.config.databaseUrl } },
    );
    this.key = (JSON.parse(stdout) as { key: string }).key;
    this.client = new IngestClient(this.services.ingestion.baseUrl, this.key, Math.max(this.config.concurrency, 64));
    const topics = await this.listNamespaceTopics();
    if (!topics.includes(this.connection.topic(Topics.events))) {
      throw new Error(`the services did not create ${this.connection.topic(Topics.events)} (KAFKA_NAMESPACE not honoured?); topics: ${topics.join(', ')}`);
    }
    log(`   services ready; ingest key created; ${topics.length} topics in the namespace`);
  }

  private async listNamespaceTopics(): Promise<string[]> {
    const admin = this.connection.client.admin();
    await admin.connect();
    try {
      return (await admin.listTopics()).filter((topic) => topic.startsWith(this.config.namespace));
    } finally {
      await admin.disconnect();
    }
  }

  /** Batch totals of each consumer loop on the pipeline's main topics. */
  private async consumerLoops(): Promise<Record<string, ConsumerTotals | null>> {
    return {
      'scoring ← bellwether.events.v1': await this.services.scoring.consumerTotals(Topics.events),
      'alerting ← bellwether.scores.v1': await this.services.alerting.consumerTotals(Topics.scores),
      'playbook ← bellwether.scores.v1': await this.services.playbook.consumerTotals(Topics.scores),
      'playbook ← bellwether.alerts.v1': await this.services.playbook.consumerTotals(Topics.alerts),
    };
  }

  /** Heap in use of each running service now (prom-client's nodejs_heap_size_used_bytes), MiB. */
  private async heapUsed(): Promise<Record<string, number | null>> {
    const heap: Record<string, number | null> = {};
    for (const service of this.all) {
      const bytes = service.running ? await service.metric('bellwether_nodejs_heap_size_used_bytes') : null;
      heap[service.name] = bytes === null ? null : round(bytes / 1024 / 1024, 0);
    }
    return heap;
  }

  private smallAccount(): string {
    const account = `acct-s-${String(this.smallCursor % this.config.accountsSmall).padStart(6, '0')}`;
    this.smallCursor += 1;
    return account;
  }

  /**
   * Posts a few batches, then reads ingestion's records back from bellwether.events.v1 and writes
   * their values (the exact bytes the pipeline carries) as ProducerPerformance's payload file.
   */
  private async samplePayload(): Promise<void> {
    const client = this.requireClient();
    await runClosedLoop({ client, concurrency: 4, durationMs: 30_000, maxBatches: 20, nextBody: () => this.events.usageBatch(this.config.eventsPerBatch, () => this.smallAccount()) });
    const consumer = this.connection.client.consumer({ groupId: this.connection.group(`bellwether-bench-payload-${Date.now()}`), allowAutoTopicCreation: false });
    const values: string[] = [];
    const keys: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: this.connection.topic(Topics.events), fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ message }) => {
          if (values.length >= 1000 || !message.value) return;
          values.push(message.value.toString('utf8'));
          keys.push(message.key?.toString('utf8') ?? '');
        },
      });
      const until = Date.now() + 30_000;
      while (values.length < 1000 && Date.now() < until) await sleep(100);
    } finally {
      await consumer.disconnect();
    }
    const file = join(this.config.workDir, 'producer-perf-payload.txt');
    const valueBytes = writePayloadFile(file, values);
    this.payloadFile = file;
    this.report.payload = { file, records: values.length, meanValueBytes: valueBytes, meanKeyBytes: Math.round(keys.reduce((sum, key) => sum + Buffer.byteLength(key), 0) / Math.max(1, keys.length)) };
    log(`   ${values.length} normalized records sampled: ${valueBytes} bytes of value on average (keys ${this.report.payload.meanKeyBytes} bytes); written to ${file}`);
  }

  private async producerPerformance(round: number): Promise<BenchReport['ingestion'][number]['producerPerformance']> {
    const topic = `${this.config.namespace}baseline-producer-perf-${round}`;
    const partitions = await this.eventsPartitions();
    await createTopic(this.config.brokers, topic, partitions);
    const payload = this.payloadFile ? { file: this.payloadFile } : { recordBytes: this.config.eventBytes };
    log(`   ProducerPerformance: ${this.config.kafkaPerfRecords} records, ${'file' in payload ? 'values from the payload file' : `${this.config.eventBytes} random bytes`}, acks=all, ${partitions} partitions`);
    const result = await producerPerformance(this.config.brokers, topic, this.config.kafkaPerfRecords, payload);
    log(`   ${result.summaryLine}`);
    await this.deleteTopic(topic);
    return result;
  }

  private async eventsPartitions(): Promise<number> {
    const admin = this.connection.client.admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicOffsets(this.connection.topic(Topics.events))).length;
    } finally {
      await admin.disconnect();
    }
  }

  private async deleteTopic(topic: string): Promise<void> {
    const admin = this.connection.client.admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: [topic] });
    } catch {
      // left for the end-of-run clean-up of the namespace
    } finally {
      await admin.disconnect();
    }
  }

  /** One saturation run (closed loop, `seconds`) over the small accounts. */
  private async saturation(label: string): Promise<IngestionRun> {
    const client = this.requireClient();
    this.sampler.start();
    const result = await runClosedLoop({
      client,
      concurrency: this.config.concurrency,
      durationMs: this.config.seconds * 1000,
      nextBody: () => this.events.usageBatch(this.config.eventsPerBatch, () => this.smallAccount()),
    });
    const usage = this.sampler.stop();
    const eventsPerSecond = (result.acceptedEvents * 1000) / result.elapsedMs;
    log(`   ${label}: ${result.acceptedEvents} events accepted in ${Math.round(result.elapsedMs)} ms: ${Math.round(eventsPerSecond)} events/s; statuses ${JSON.stringify(result.statuses)}`);
    return { ...loadFigures(result), eventsPerSecond: round(eventsPerSecond, 0), usage, drainAfterMs: null, drained: null };
  }

  /**
   * One round: ProducerPerformance, then ingestion saturated with the whole pipeline running, then
   * (scoring, alerting and playbook stopped, so nothing but ingestion, Redis and the broker work)
   * ingestion alone; the consumers are started again and catch up before the round ends. Returns
   * the service that used the most CPU with the pipeline running.
   */
  private async ingestionRound(roundNumber: number): Promise<ServiceName> {
    const producerPerformanceResult = await this.producerPerformance(roundNumber);
    const withPipeline = await this.saturation('with the pipeline running');
    const drain = await this.drain(`after ingestion round ${roundNumber}`);
    const consumers = [this.services.scoring, this.services.alerting, this.services.playbook];
    await Promise.all(consumers.map((service) => service.stop()));
    const alone = await this.saturation('alone (scoring, alerting and playbook stopped)');
    await Promise.all(consumers.map((service) => this.startWithOneRetry(service, `ingestion round ${roundNumber}`)));
    const drainAlone = await this.drain(`after ingestion round ${roundNumber} alone`);
    this.report.ingestion.push({
      round: roundNumber,
      producerPerformance: producerPerformanceResult,
      withPipeline: { ...withPipeline, drainAfterMs: drain.ms, drained: drain.drained },
      alone: { ...alone, drainAfterMs: drainAlone.ms, drained: drainAlone.drained },
    });
    let hottest: ServiceName = 'ingestion';
    for (const name of serviceNames) {
      if ((withPipeline.usage.processes[name]?.cpuSeconds ?? 0) > (withPipeline.usage.processes[hottest]?.cpuSeconds ?? 0)) hottest = name;
    }
    return hottest;
  }

  /** Waits until every group and outbox is empty (at most `timeoutMs`, default the drain timeout); a timeout is a problem of the report. */
  private async drain(when: string, timeoutMs = this.config.drainTimeoutMs): Promise<{ drained: boolean; ms: number }> {
    const result = await this.observer.waitDrained(timeoutMs, () => this.healthy());
    if (result.drained) log(`   pipeline caught up ${when} in ${(result.ms / 1000).toFixed(1)} s`);
    else {
      const detail = `pipeline not caught up ${when} after ${Math.round(result.ms / 1000)} s: ${JSON.stringify(result.last)}`;
      log(`   ${detail}`);
      this.report.problems.push({ phase: when, problem: detail, logLines: this.crashLogs() });
    }
    return { drained: result.drained, ms: result.ms };
  }

  /** The reader of the probes' records (started once, before the first latency round). */
  private async stages(): Promise<StageTail> {
    if (!this.stageTail) {
      this.stageTail = new StageTail(this.connection);
      await this.stageTail.start();
    }
    return this.stageTail;
  }

  /**
   * One latency round at `rate`: Kafka's EndToEndLatency, then our steady load whose next batch
   * carries a probe account every probeIntervalMs, each timed from its 202 through every stage (see
   * `stageBreakdown`), while every consumer group's lag is sampled; after the load stops, the time
   * until every group's lag is 0.
   */
  private async latencyRound(rate: number, roundNumber: number): Promise<void> {
    const client = this.requireClient();
    const e2eTopic = `${this.config.namespace}baseline-end-to-end-${rate}-${roundNumber}`;
    const messageBytes = this.report.payload?.meanValueBytes ?? this.config.eventBytes;
    await createTopic(this.config.brokers, e2eTopic, 1);
    log(`   EndToEndLatency: ${this.config.kafkaE2eMessages} messages of ${messageBytes} bytes, acks=all`);
    const e2e = await endToEndLatency(this.config.brokers, e2eTopic, this.config.kafkaE2eMessages, messageBytes);
    log(`   ${e2e.summaryLines.join(' | ')}`);
    await this.deleteTopic(e2eTopic);

    const tail = await this.stages();
    const probePrefix = `acct-p${rate}r${roundNumber}-`;
    tail.watch(probePrefix);
    const sent = new Map<string, { sentAt: number; ackAt: number | null; status: number }>();
    let probeCount = 0;
    const nextProbeAccount = (measure: boolean): string => `${probePrefix}${measure ? '' : 'warmup-'}${probeCount++}`;
    const sendWarmUpProbe = async (): Promise<string> => {
      const account = nextProbeAccount(false);
      await client.post(this.events.probeInUsageBatch(account, 3, () => this.smallAccount()));
      return account;
    };
    // A probe rides in the next background batch once its interval passed: it adds no request and no event.
    let nextProbeAt = Number.POSITIVE_INFINITY; // set when the load starts
    const nextBackgroundBody = (): LoadBody => {
      if (Date.now() < nextProbeAt) return this.events.usageBatch(this.config.eventsPerBatch, () => this.smallAccount());
      nextProbeAt += this.config.probeIntervalMs;
      const account = nextProbeAccount(true);
      return {
        body: this.events.probeInUsageBatch(account, this.config.eventsPerBatch, () => this.smallAccount()),
        answered: (answer, sentAt, answeredAt) => sent.set(account, { sentAt, ackAt: answer.status === 202 ? answeredAt : null, status: answer.status }),
      };
    };
    const done = (account: string): boolean => Boolean(tail.stamps.get(account)?.scoreSeenAt && tail.stamps.get(account)?.alertSeenAt);
    // Warm-up: the reader must own its partitions (it reads from the end) before probes count.
    const warmDeadline = Date.now() + 60_000;
    let warmed = false;
    while (!warmed && Date.now() < warmDeadline) {
      const account = await sendWarmUpProbe();
      const until = Date.now() + 3000;
      while (Date.now() < until && !done(account)) await sleep(50);
      warmed = done(account);
    }
    if (!warmed) throw new Error('no probe came out as a score change and an alert within 60 s (pipeline blocked?)');

    log(`   background ${rate} events/s (batches of ${this.config.eventsPerBatch}, ${this.config.accountsSmall} warm accounts), a probe account in the next batch every ${this.config.probeIntervalMs} ms, for ${this.config.latencySeconds} s`);
    const loopsBefore = await this.consumerLoops();
    const stagesBefore = await this.services.scoring.histogramTotals('bellwether_scoring_batch_stage_seconds', 'stage');
    const maxLag: Record<string, number> = {};
    let sampling = true;
    const lagSampler = (async () => {
      while (sampling) {
        const state = await readPipelineState(this.connection, this.db).catch(() => null);
        for (const [group, lag] of Object.entries(state?.lagByGroup ?? {})) maxLag[group] = Math.max(maxLag[group] ?? 0, lag);
        await sleep(1000);
      }
    })();
    const eventsFrom = await this.observer.eventsEndOffsets();
    this.sampler.start();
    nextProbeAt = Date.now();
    const result = await runSteadyRate({
      client,
      eventsPerSecond: rate,
      eventsPerBatch: this.config.eventsPerBatch,
      durationMs: this.config.latencySeconds * 1000,
      maxInFlight: 64,
      nextBody: nextBackgroundBody,
    });
    const stoppedAt = Date.now();
    const usage = this.sampler.stop();
    const loops = consumerLoopDeltas(loopsBefore, await this.consumerLoops(), usage.seconds);
    const scoringStages = stageMeans(stagesBefore, await this.services.scoring.histogramTotals('bellwether_scoring_batch_stage_seconds', 'stage'));
    sampling = false;
    await lagSampler;
    const lagZero = await this.lagBackToZero(stoppedAt);
    // Let the last probes come out (bounded), then summarize.
    const waitUntil = Date.now() + 30_000;
    const complete = (): boolean => [...sent.entries()].every(([account, probe]) => probe.ackAt === null || done(account));
    while (Date.now() < waitUntil && !complete()) await sleep(100);
    // The probes' records on the events topic, read now that the load is over (not during it).
    await tail.readEventsStamps(eventsFrom, await this.observer.eventsEndOffsets());
    const committed = await this.committedAt(probePrefix);
    const toScore: number[] = [];
    const toAlert: number[] = [];
    let arrivedBeforeAck = 0;
    const probes: ProbeTimes[] = [];
    for (const [account, probe] of sent) {
      if (probe.ackAt === null) continue;
      const stamps = tail.stamps.get(account) ?? {};
      probes.push({ ...probe, ackAt: probe.ackAt, ...stamps, scoreWrittenAt: committed.scores.get(account), alertCommittedAt: committed.alerts.get(account) });
      if (stamps.scoreSeenAt !== undefined) {
        if (stamps.scoreSeenAt < probe.ackAt) arrivedBeforeAck += 1;
        toScore.push(Math.max(0, stamps.scoreSeenAt - probe.ackAt));
      }
      if (stamps.alertSeenAt !== undefined) toAlert.push(Math.max(0, stamps.alertSeenAt - probe.ackAt));
    }
    const acked = probes.length;
    const achieved = (result.acceptedEvents * 1000) / result.elapsedMs;
    const latencyRun: LatencyRun = {
      round: roundNumber,
      endToEndLatency: e2e,
      targetEventsPerSecond: rate,
      achievedEventsPerSecond: round(achieved, 0),
      ...loadFigures(result),
      skippedBatches: result.skippedBatches,
      probesSent: sent.size,
      probesAccepted: acked,
      probeEvents: 3,
      toScoreChangeMs: summarize(toScore),
      toAlertMs: summarize(toAlert),
      toScoreChangeSamplesMs: toScore.map(Math.round),
      toAlertSamplesMs: toAlert.map(Math.round),
      probesWithoutScoreChange: acked - toScore.length,
      probesWithoutAlert: acked - toAlert.length,
      scoreChangeSeenBeforeAck: arrivedBeforeAck,
      stages: stageBreakdown(probes, committed.problems),
      lag: { maxByGroup: maxLag, zeroAfterMs: lagZero.ms, zeroWithinTimeout: lagZero.zero, lastByGroup: lagZero.last },
      usage,
      consumerLoops: loops,
      scoringStages,
    };
    log(
      `   reached ${latencyRun.achievedEventsPerSecond} events/s; 202→score change p50 ${latencyRun.toScoreChangeMs.p50} ms p99 ${latencyRun.toScoreChangeMs.p99} ms; 202→alert p50 ${latencyRun.toAlertMs.p50} ms p99 ${latencyRun.toAlertMs.p99} ms (${acked} probes); max lag ${JSON.stringify(maxLag)}; lag 0 ${lagZero.zero ? `${lagZero.ms} ms` : 'not reached'} after the load stopped`,
    );
    this.report.latency.push(latencyRun);
    await this.drain(`after the ${rate} events/s run, round ${roundNumber}`);
  }

  /** Polls every consumer group's lag (every 250 ms, bounded by the drain timeout) until all are 0; ms since `since`. */
  private async lagBackToZero(since: number): Promise<{ zero: boolean; ms: number; last: Record<string, number> }> {
    let last: Record<string, number> = {};
    while (Date.now() - since < this.config.drainTimeoutMs) {
      const state = await readPipelineState(this.connection, this.db).catch(() => null);
      if (state) {
        last = { ...state.lagByGroup };
        if (Object.values(last).every((lag) => lag === 0)) return { zero: true, ms: Date.now() - since, last };
      }
      await sleep(250);
    }
    return { zero: false, ms: Date.now() - since, last };
  }

  /**
   * When the probes' first score history row and first alert row were written, epoch ms: the
   * rows' `created_at` (scoring.score_history) and `updated_at` of revision 1 (alerting.alerts),
   * both Postgres' now() of the writing transaction, i.e. when that transaction began (commit
   * follows within the transaction's time). A column that is missing (a later schema) is reported.
   */
  private async committedAt(prefix: string): Promise<{ scores: Map<string, number>; alerts: Map<string, number>; problems: string[] }> {
    const problems: string[] = [];
    const read = async (sql: string, what: string): Promise<Map<string, number>> => {
      try {
        const result = await this.db.query<{ account_id: string; at: Date }>(sql, [`${prefix}%`]);
        return new Map(result.rows.map((row) => [row.account_id, row.at.getTime()]));
      } catch (error) {
        problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
        return new Map();
      }
    };
    return {
      scores: await read('SELECT account_id, min(created_at) AS at FROM scoring.score_history WHERE account_id LIKE $1 GROUP BY account_id', 'score written (scoring.score_history.created_at)'),
      alerts: await read('SELECT account_id, min(updated_at) AS at FROM alerting.alerts WHERE account_id LIKE $1 AND revision = 1 GROUP BY account_id', 'alert committed (alerting.alerts.updated_at of revision 1)'),
      problems,
    };
  }

  /** Scoring's counters read from its /metrics (applied, redelivered, changes, beyond lateness, day-roll accounts). */
  private async scoringCounters(): Promise<Record<string, number | null>> {
    const values = await this.services.scoring.metrics([
      'bellwether_scoring_events_applied_total',
      'bellwether_scoring_events_redelivered_total',
      'bellwether_scoring_score_changes_total',
      'bellwether_scoring_events_beyond_lateness_total',
      'bellwether_scoring_day_roll_accounts_total',
    ]);
    // A labelled counter has no sample until its first increment: 0 then, as long as /metrics answered.
    const answered = values['bellwether_scoring_events_applied_total'] !== null;
    return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, value ?? (answered ? 0 : null)]));
  }

  /**
   * Rows inserted plus rows updated in scoring.account_state, from Postgres' statistics: one per
   * account evaluation written (scoring writes each evaluated account once per batch). Backends
   * report these counts about once a second while busy and within ~10 s once idle.
   */
  private async accountRowsWritten(): Promise<number | null> {
    try {
      await this.db.query('SELECT pg_stat_clear_snapshot()');
      const result = await this.db.query<{ n: string }>("SELECT (n_tup_ins + n_tup_upd)::text AS n FROM pg_stat_user_tables WHERE schemaname = 'scoring' AND relname = 'account_state'");
      return result.rows[0] ? Number(result.rows[0].n) : null;
    } catch {
      return null;
    }
  }

  /**
   * Scoring alone: scoring, alerting and playbook stopped; `events` events over `accounts`
   * accounts (`<prefix>0000000`…, round robin) pre-loaded through ingestion; scoring started by
   * itself and timed until it applied the backlog (its counters, every 200 ms); then alerting and
   * playbook started and timed until every consumer group and outbox is empty. Every consumer is
   * a fresh process, so its VmHWM is the peak of this run. Evaluations are the account rows
   * written (Postgres' statistics of scoring.account_state, read once everything is idle) minus
   * the accounts the day-roll closed meanwhile.
   */
  private async scoringRun(label: 'small' | 'warm-up' | 'large', accounts: number, events: number, prefix: string): Promise<void> {
    const client = this.requireClient();
    const batches = Math.ceil(events / this.config.eventsPerBatch);
    log(`   consumers stopped; pre-loading ${batches * this.config.eventsPerBatch} events over ${accounts} accounts through ingestion`);
    await Promise.all([this.services.scoring.stop(), this.services.alerting.stop(), this.services.playbook.stop()]);
    const rowsBefore = await this.accountRowsWritten();
    let cursor = 0;
    const accountOf = (): string => `${prefix}${String(cursor++ % accounts).padStart(7, '0')}`;
    this.sampler.start();
    const preload = await runClosedLoop({
      client,
      concurrency: this.config.concurrency,
      durationMs: this.config.drainTimeoutMs,
      maxBatches: batches,
      nextBody: () => this.events.usageBatch(this.config.eventsPerBatch, accountOf),
    });
    const preloadUsage = this.sampler.stop();
    const backlog = await this.observer.groupLag('bellwether-scoring', [Topics.events]);
    log(`   pre-loaded ${preload.acceptedEvents} events in ${Math.round(preload.elapsedMs)} ms (${Math.round((preload.acceptedEvents * 1000) / preload.elapsedMs)} events/s); scoring lag ${backlog}`);

    const startedAt = performance.now();
    await this.startWithOneRetry(this.services.scoring, `scoring ${label}`);
    const readyAt = performance.now();
    this.sampler.start();
    // Consumed = applied (beyond-lateness ones included: recorded, not scored) + skipped as already applied (a redelivery).
    let firstAt: number | null = null;
    let first: Record<string, number | null> = {};
    let last: Record<string, number | null> = {};
    let consumed = 0;
    let doneAt: number | null = null;
    let polls = 0;
    const consumedOf = (values: Record<string, number | null>): number => (values['bellwether_scoring_events_applied_total'] ?? 0) + (values['bellwether_scoring_events_redelivered_total'] ?? 0);
    const deadline = Date.now() + this.config.drainTimeoutMs;
    while (Date.now() < deadline && this.healthy()) {
      const values = await this.scoringCounters();
      const now = performance.now();
      consumed = consumedOf(values);
      last = values;
      if (consumed > 0 && firstAt === null) {
        firstAt = now;
        first = values;
      }
      // The counters are the clock; the committed offsets are the proof (checked every ~2 s).
      if (consumed >= backlog || (++polls % 10 === 0 && (await this.observer.groupLag('bellwether-scoring', [Topics.events])) === 0)) {
        doneAt = now;
        break;
      }
      await sleep(200);
    }
    const usage = this.sampler.stop();
    const lagAfter = await this.observer.groupLag('bellwether-scoring', [Topics.events]).catch(() => null);
    const seconds = firstAt !== null && doneAt !== null && doneAt > firstAt ? (doneAt - firstAt) / 1000 : null;
    const delta = (name: string): number | null => (last[name] === null || last[name] === undefined ? null : (last[name] ?? 0) - (first[name] ?? 0));
    const perSecond = (count: number | null): number | null => (count === null || seconds === null ? null : round(count / seconds, 0));
    const rate = perSecond(seconds === null ? null : consumed - consumedOf(first));
    const changes = last['bellwether_scoring_score_changes_total'] ?? null;
    log(
      doneAt === null
        ? `   scoring did not catch up within ${this.config.drainTimeoutMs / 1000} s: consumed ${consumed} of ${backlog}`
        : `   scoring consumed ${consumed} events (${changes ?? '?'} score changes in all); ${rate ?? '?'} events/s, ${perSecond(delta('bellwether_scoring_score_changes_total')) ?? '?'} changes/s from the first applied batch to the last`,
    );
    if (doneAt === null) this.report.problems.push({ phase: `scoring ${label}`, problem: `scoring consumed ${consumed} of ${backlog} events within ${this.config.drainTimeoutMs / 1000} s`, logLines: this.crashLogs() });

    // Downstream: alerting and playbook catch up with the score changes (not part of the scoring figure).
    await this.observer.waitOutboxEmpty('scoring', 60_000);
    const changesBacklog = await this.observer.groupLag('bellwether-alerting', [Topics.scores]);
    await Promise.all([this.startWithOneRetry(this.services.alerting, `alerting ${label}`), this.startWithOneRetry(this.services.playbook, `playbook ${label}`)]);
    this.sampler.start();
    const downstreamStarted = performance.now();
    const drain = await this.drain(`after the scoring run with ${accounts} accounts (${label})`);
    const downstreamUsage = this.sampler.stop();
    const downstreamMs = performance.now() - downstreamStarted;
    const heapAfter = await this.heapUsed();
    // Idle backends report their statistics within ~10 s: wait (bounded) until the count stops moving.
    let rowsAfter = await this.accountRowsWritten();
    for (let settle = 0; settle < 12; settle += 1) {
      await sleep(1000);
      const again = await this.accountRowsWritten();
      if (again === rowsAfter && settle >= 1) break;
      rowsAfter = again;
    }
    const rolledAccounts = (await this.scoringCounters())['bellwether_scoring_day_roll_accounts_total'] ?? 0;
    const evaluations = rowsBefore === null || rowsAfter === null ? null : Math.max(0, rowsAfter - rowsBefore - rolledAccounts);
    log(`   alerting and playbook took ${(downstreamMs / 1000).toFixed(1)} s for ${changesBacklog} score changes; ${evaluations ?? '?'} account evaluations written`);

    this.report.scoring.push({
      label,
      accounts,
      eventsPreloaded: preload.acceptedEvents,
      backlog,
      preload: { ...loadFigures(preload), eventsPerSecond: round((preload.acceptedEvents * 1000) / preload.elapsedMs, 0), usage: preloadUsage },
      applied: last['bellwether_scoring_events_applied_total'] ?? 0,
      redelivered: last['bellwether_scoring_events_redelivered_total'] ?? null,
      tooLate: last['bellwether_scoring_events_beyond_lateness_total'] ?? null,
      scoreChanges: changes,
      evaluations,
      dayRollAccounts: rolledAccounts,
      caughtUp: doneAt !== null,
      startToReadyMs: round(readyAt - startedAt, 0),
      readyToFirstAppliedMs: firstAt === null ? null : round(firstAt - readyAt, 0),
      firstToLastAppliedMs: firstAt === null || doneAt === null ? null : round(doneAt - firstAt, 0),
      eventsPerSecond: rate,
      changesPerSecond: perSecond(delta('bellwether_scoring_score_changes_total')),
      // The statistics cannot be split at the first applied batch: the whole run's evaluations over first → last applied.
      evaluationsPerSecond: perSecond(evaluations),
      lagAfter,
      usage,
      heapUsedAfterMiB: heapAfter,
      downstream: {
        scoreChanges: changesBacklog,
        caughtUp: drain.drained,
        ms: round(downstreamMs, 0),
        changesPerSecond: drain.drained && downstreamMs > 0 ? round((changesBacklog * 1000) / downstreamMs, 0) : null,
        usage: downstreamUsage,
      },
    });
  }

  /**
   * The day-roll over the large set of accounts, brought on by advanceEventsWatermark (libs/testing):
   * first a catch-up roll to today's midnight UTC (every account closed through today, whatever
   * its own events closed), then the measured roll of one day, to the next midnight, over every
   * account scoring holds. Scoring is restarted before the first; before each roll it rests 3 s and
   * its RSS then is the idle figure (so the measured roll is compared with a warm process at rest,
   * the catch-up with a fresh one); its peak RSS (VmHWM, reset just before, and the 500 ms samples)
   * is the roll's. Each roll is
   * timed from the watermark records' send until scoring.watermark shows it finished
   * (rolled_through at the target, no roll under way). Alerting and playbook keep running; their catch-up
   * with the roll's score changes is timed apart.
   */
  private async dayRoll(): Promise<void> {
    const steps: DayRollStep[] = [];
    const todayMidnight = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    const graceMs = 2 * this.config.gracePeriodHours * 3_600_000;
    for (const [label, target] of [['catch-up to today', todayMidnight], ['one day', todayMidnight + 86_400_000]] as const) {
      if (steps.length === 0) {
        // A fresh process for the rolls, not one still holding the large run's working set.
        await this.services.scoring.stop();
        await this.startWithOneRetry(this.services.scoring, `day-roll ${label}`);
      }
      await sleep(3000);
      const idle: number[] = [];
      for (let sample = 0; sample < 4; sample += 1) {
        const rss = this.services.scoring.memory()?.rssBytes;
        if (rss !== undefined) idle.push(rss);
        await sleep(250);
      }
      const before = await this.scoringCounters();
      // An hour past the boundary plus two grace periods: the boundary becomes closable, the next one not yet.
      const to = new Date(target + graceMs + 3_600_000).toISOString();
      const targetIso = new Date(target).toISOString();
      const pid = this.services.scoring.pid;
      if (pid !== null) resetPeakRss(pid);
      this.sampler.start();
      const started = performance.now();
      await advanceEventsWatermark(this.connection, { to, accountPrefix: `bench-watermark-${steps.length}-` });
      let finishedAt: number | null = null;
      const deadline = Date.now() + this.config.drainTimeoutMs;
      while (Date.now() < deadline && this.healthy()) {
        const [row] = (await this.db.query<{ rolled_through: Date | null; roll_target: Date | null }>('SELECT rolled_through, roll_target FROM scoring.watermark WHERE id = 1')).rows;
        if (row && row.roll_target === null && row.rolled_through !== null && row.rolled_through.getTime() >= target) {
          finishedAt = performance.now();
          break;
        }
        await sleep(200);
      }
      const usage = this.sampler.stop();
      const after = await this.scoringCounters();
      const delta = (name: string): number | null => (after[name] === null || after[name] === undefined ? null : (after[name] ?? 0) - (before[name] ?? 0));
      const downstreamStarted = performance.now();
      // Bounded: the roll's changes reach alerting and playbook, but their catch-up is not the roll's figure, and the run has a time budget.
      const drain = await this.drain(`after the day-roll (${label})`, Math.min(this.config.drainTimeoutMs, 90_000));
      const idleRssMiB = idle.length ? round(Math.max(...idle) / 1024 / 1024, 0) : null;
      const peakRssMiB = Math.max(usage.processes['scoring']?.peakRssMiB ?? 0, usage.processes['scoring']?.vmHwmMiB ?? 0) || null;
      steps.push({
        label,
        watermarkTo: to,
        target: targetIso,
        finished: finishedAt !== null,
        ms: finishedAt === null ? null : round(finishedAt - started, 0),
        accountsClosed: delta('bellwether_scoring_day_roll_accounts_total'),
        scoreChanges: delta('bellwether_scoring_score_changes_total'),
        idleRssMiB,
        peakRssMiB,
        usage,
        downstreamMs: round(performance.now() - downstreamStarted, 0),
        downstreamCaughtUp: drain.drained,
      });
      log(`   day-roll ${label} (through ${targetIso}): ${finishedAt === null ? 'did not finish' : `${round((finishedAt - started) / 1000, 1)} s`}, ${delta('bellwether_scoring_day_roll_accounts_total') ?? '?'} accounts closed; scoring RSS idle ${idleRssMiB} MiB, peak ${peakRssMiB} MiB`);
    }
    this.report.dayRoll = { accounts: this.config.accountsLarge, gracePeriodHours: this.config.gracePeriodHours, steps };
  }

  private async cpuProfile(service: ServiceName, hottest: boolean): Promise<void> {
    const client = this.requireClient();
    const dir = join(this.config.workDir, 'profiles');
    rmSync(dir, { recursive: true, force: true });
    log(`   restarting ${service} under node --cpu-prof; ${this.config.profileSeconds} s of the saturation load`);
    await this.services[service].stop();
    await this.services[service].start({ cpuProfileDir: dir });
    const result = await runClosedLoop({
      client,
      concurrency: this.config.concurrency,
      durationMs: this.config.profileSeconds * 1000,
      nextBody: () => this.events.usageBatch(this.config.eventsPerBatch, () => this.smallAccount()),
    });
    await this.services[service].stop();
    const files = existsSync(dir) ? readdirSync(dir).filter((file) => file.endsWith('.cpuprofile')) : [];
    const file = files[0];
    if (!file) throw new Error(`${service} wrote no .cpuprofile into ${dir}`);
    const summary = summarizeCpuProfile(join(dir, file), 15);
    this.report.cpuProfile = {
      service,
      reason: hottest ? 'most CPU seconds during the saturation run' : 'BENCH_PROFILE_SERVICE',
      loadEventsPerSecond: round((result.acceptedEvents * 1000) / result.elapsedMs, 0),
      seconds: this.config.profileSeconds,
      summary,
    };
    log(`   ${service}: ${summary.busyMs} ms busy of ${summary.durationMs} ms; top: ${summary.topFunctions.slice(0, 3).map((entry) => `${entry.function} ${entry.selfPercent}%`).join(', ')}`);
  }

  /**
   * Starts a service; if it exits during start, the crash and its log lines go into the report and
   * it is started once more, so one crash does not void the rest of the run.
   */
  private async startWithOneRetry(service: BenchService, phase: string): Promise<void> {
    try {
      await service.start();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const [first, ...logLines] = message.split('\n');
      log(`   ${service.name} failed to start (${first}); recorded, starting it once more`);
      this.report.problems.push({ phase, problem: `${first} (started once more)`, logLines });
      await service.stop();
      await service.start();
    }
  }

  private requireClient(): IngestClient {
    if (!this.client) throw new Error('the services are not running');
    return this.client;
  }
}

function consumerLoopDeltas(
  before: Record<string, ConsumerTotals | null>,
  after: Record<string, ConsumerTotals | null>,
  seconds: number,
): Record<string, ConsumerLoopStats> {
  const stats: Record<string, ConsumerLoopStats> = {};
  for (const [loop, end] of Object.entries(after)) {
    const start = before[loop];
    if (!end || !start) continue;
    const batches = end.batches - start.batches;
    const busy = end.seconds - start.seconds;
    const records = end.records - start.records;
    stats[loop] = {
      batches,
      records,
      recordsPerBatch: batches > 0 ? round(records / batches, 0) : null,
      meanBatchMs: batches > 0 ? round((1000 * busy) / batches, 1) : null,
      busyPercent: seconds > 0 ? round((100 * busy) / seconds, 0) : null,
    };
  }
  return stats;
}

/** Mean ms per batch of each stage between two scrapes of a stage histogram (stages without a batch left out). */
function stageMeans(before: Record<string, { count: number; sum: number }> | null, after: Record<string, { count: number; sum: number }> | null): Record<string, number> {
  const means: Record<string, number> = {};
  for (const [stage, end] of Object.entries(after ?? {})) {
    const start = before?.[stage] ?? { count: 0, sum: 0 };
    const count = end.count - start.count;
    if (count > 0) means[stage] = Math.round((10_000 * (end.sum - start.sum)) / count) / 10;
  }
  return means;
}

/** One accepted probe's clock readings, epoch ms (see StageTail and Bench.committedAt). */
interface ProbeTimes extends ProbeStamps {
  readonly sentAt: number;
  readonly ackAt: number;
  readonly scoreWrittenAt?: number;
  readonly alertCommittedAt?: number;
}

/**
 * The probes' stages, each as ms after the 202 (negative: before it), and the steps between
 * consecutive stages; a probe missing a stage is left out of that stage's figures only.
 */
function stageBreakdown(probes: readonly ProbeTimes[], problems: readonly string[]): StageBreakdown {
  const after = (pick: (probe: ProbeTimes) => number | undefined): ReturnType<typeof summarize> =>
    summarize(probes.flatMap((probe) => (pick(probe) === undefined ? [] : [(pick(probe) ?? 0) - probe.ackAt])));
  const step = (from: (probe: ProbeTimes) => number | undefined, to: (probe: ProbeTimes) => number | undefined): ReturnType<typeof summarize> =>
    summarize(probes.flatMap((probe) => (from(probe) === undefined || to(probe) === undefined ? [] : [(to(probe) ?? 0) - (from(probe) ?? 0)])));
  return {
    fromAck: {
      'request sent': after((probe) => probe.sentAt),
      'on bellwether.events.v1 (CreateTime)': after((probe) => probe.eventsCreatedAt),
      'score written (score_history.created_at)': after((probe) => probe.scoreWrittenAt),
      'on bellwether.scores.v1 (CreateTime)': after((probe) => probe.scoreCreatedAt),
      'score change seen by the bench': after((probe) => probe.scoreSeenAt),
      'alert committed (alerts.updated_at, revision 1)': after((probe) => probe.alertCommittedAt),
      'on bellwether.alerts.v1 (CreateTime)': after((probe) => probe.alertCreatedAt),
      'alert opened seen by the bench': after((probe) => probe.alertSeenAt),
    },
    steps: {
      'request sent → on events topic': step((probe) => probe.sentAt, (probe) => probe.eventsCreatedAt),
      'on events topic → 202 received': step((probe) => probe.eventsCreatedAt, (probe) => probe.ackAt),
      'on events topic → score written': step((probe) => probe.eventsCreatedAt, (probe) => probe.scoreWrittenAt),
      'score written → on scores topic': step((probe) => probe.scoreWrittenAt, (probe) => probe.scoreCreatedAt),
      'on scores topic → alert committed': step((probe) => probe.scoreCreatedAt, (probe) => probe.alertCommittedAt),
      'alert committed → on alerts topic': step((probe) => probe.alertCommittedAt, (probe) => probe.alertCreatedAt),
      'on alerts topic → seen by the bench': step((probe) => probe.alertCreatedAt, (probe) => probe.alertSeenAt),
    },
    problems: [...problems],
  };
}

function loadFigures(result: LoadResult): { requests: number; acceptedEvents: number; elapsedMs: number; requestMs: ReturnType<typeof summarize>; statuses: Record<string, number>; problems: string[] } {
  return {
    requests: result.requests,
    acceptedEvents: result.acceptedEvents,
    elapsedMs: Math.round(result.elapsedMs),
    requestMs: summarize(result.latenciesMs),
    statuses: result.statuses,
    problems: result.problems,
  };
}

function builtAt(buildDir: string): string | null {
  try {
    return readFileSync(join(buildDir, 'built-at'), 'utf8').trim();
  } catch {
    return null;
  }
}

function commandLine(): string {
  const overrides = Object.entries(process.env)
    .filter(([name]) => name.startsWith('BENCH_') && !['BENCH_DATABASE_URL', 'BENCH_REDIS_URL', 'BENCH_NAMESPACE', 'BENCH_BUILD_DIR'].includes(name))
    .map(([name, value]) => `${name}=${value}`);
  return [...overrides, 'npm run bench'].join(' ');
}

export type { WindowUsage };

async function main(): Promise<void> {
  const config = loadBenchConfig();
  const bench = new Bench(config);
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping the services and deleting the run's topics (an interrupted run writes no report)`);
    void bench
      .shutdown()
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await bench.run();
  } catch (error) {
    bench.report.problems.push({ phase: 'bench', problem: error instanceof Error ? (error.stack ?? error.message) : String(error), logLines: [] });
  } finally {
    if (!interrupted) {
      await bench.shutdown();
      bench.report.finishedAt = new Date().toISOString();
      const written = writeReports(bench.report, config.docsDir);
      log(`wrote ${written.join(' and ')}`);
    }
  }
  const fatal = bench.report.problems.some((problem) => problem.phase === 'start the four services' || problem.phase === 'bench');
  process.exit(fatal ? 1 : 0);
}

void main();
