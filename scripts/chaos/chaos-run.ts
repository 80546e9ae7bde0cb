import { randomBytes } from 'node:crypto';
import type { KafkaConnection } from '@bellwether/kafka';
import { Random, sleep, type FaultPlanOptions, type LoadOptions, type ServiceName } from './chaos.config';
import {
  auditAlerts,
  auditDeadLetters,
  auditEvents,
  auditHealth,
  auditPlaybook,
  auditScores,
  collectTopicFacts,
  countNotableLogLines,
  scanLogsForSecrets,
  waitUntilSettled,
  type AlertBooks,
  type Backlog,
  type CheckResult,
  type DeadLetterBooks,
  type EventBooks,
  type PlaybookBooks,
  type ScoreBooks,
  type SecretFinding,
} from './books';
import { EventLedger, type SentEvent } from './event-ledger';
import { consumedTopics, FaultInjector, planFaults, type ChaosTarget, type FaultKind, type FaultRecord } from './faults';
import { ChaosEventFactory, IngestClient, LoadDriver } from './load-driver';

export interface ChaosRunOptions {
  readonly services: Readonly<Record<ServiceName, ChaosTarget>>;
  readonly connection: KafkaConnection;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly brokers: string;
  readonly load: LoadOptions;
  readonly plan: FaultPlanOptions;
  readonly seed: number;
  /** Prefix of every event id and account id of the run. */
  readonly runTag: string;
  /** An admin key (from the keys CLI); the run makes its ingest key through the admin API with it. */
  readonly adminKey: string;
  /** The services' database password, if their DATABASE_URL carries one: it must not reach a log. */
  readonly databasePassword: string | null;
  readonly log: (message: string) => void;
}

export interface ChaosOutcome {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly seconds: number;
  readonly loadSeconds: number;
  readonly seed: number;
  readonly answers: Record<string, number>;
  readonly retries: number;
  readonly longestWithoutAccept: { ms: number; endedAt: string | null };
  readonly probe: { ok: boolean; ms: number; attempts: number; last: string };
  readonly reportedDuplicates: number;
  readonly redelivered: number;
  readonly faults: readonly FaultRecord[];
  readonly faultCounts: Readonly<Record<FaultKind, number>>;
  readonly settle: { settled: boolean; ms: number; last: Backlog | null; error: string | null };
  readonly events: EventBooks;
  readonly scores: ScoreBooks;
  readonly alerts: AlertBooks;
  readonly deadLetters: DeadLetterBooks;
  readonly playbook: PlaybookBooks;
  readonly health: Record<ServiceName, { status: number; body: string }>;
  readonly logLines: readonly { label: string; counts: Record<ServiceName, number> }[];
  readonly logScan: { files: number; bytes: number; secrets: number; findings: readonly SecretFinding[] };
  readonly checks: readonly CheckResult[];
  readonly failures: readonly CheckResult[];
}

/**
 * One chaos run against four running services: keys and a few authenticated calls of every kind
 * (for the log check), the steady load, the planned faults one after another at random moments,
 * then the load stops, the pipeline settles, and the books are checked.
 */
export async function runChaos(options: ChaosRunOptions): Promise<ChaosOutcome> {
  const started = Date.now();
  const random = new Random(options.seed);
  const { log, services } = options;
  const ledger = new EventLedger();
  const client = new IngestClient(services.ingestion.baseUrl, options.load.requestTimeoutMs);
  const factory = new ChaosEventFactory(options.runTag, options.load.accounts, random);

  // Keys: an ingest key through the admin API (with accounts:write: the load sets owners), then every way of presenting it once.
  const created = await client.post('/v1/admin/api-keys', JSON.stringify({ name: `${options.runTag}-ingest`, scopes: ['ingest', 'accounts:write'] }), { authorization: `Bearer ${options.adminKey}` });
  if (created.status !== 201) throw new Error(`creating the ingest key answered ${created.status}: ${created.body.slice(0, 300)}`);
  const ingestKey = (JSON.parse(created.body) as { key: string }).key;
  const driver = new LoadDriver(client, `Bearer ${ingestKey}`, factory, ledger, options.load, random);
  const basic = `Basic ${Buffer.from(`${ingestKey}:`).toString('base64')}`;
  const invalidKey = `bwk_${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12)}_${randomBytes(32).toString('base64url')}`;
  await postSegment(driver, ledger, factory, { authorization: basic });
  await postSegment(driver, ledger, factory, {}, ingestKey);
  const refused = await client.post('/v1/events', JSON.stringify({ events: [] }), { authorization: `Bearer ${invalidKey}` });
  if (refused.status !== 401) log(`a made-up key was answered ${refused.status}, not 401`);

  const injector = new FaultInjector({
    services,
    connection: options.connection,
    databaseUrl: options.databaseUrl,
    redisUrl: options.redisUrl,
    brokers: options.brokers,
    ledger,
    random,
    log,
    runTag: options.runTag,
    postgresRestartCommand: options.plan.postgresRestartCommand,
    repost: (events) => driver.deliver(events),
    probe: () => probeIngestion(client, `Bearer ${ingestKey}`, factory, ledger, 60_000),
  });
  const plan = planFaults(options.plan, random);
  log(`load: ~${options.load.eventsPerSecond} events/s over ${options.load.accounts} accounts; ${plan.length} faults planned (seed ${options.seed})`);

  driver.start();
  await sleep(options.plan.leadInMs);
  for (const [index, fault] of plan.entries()) {
    await sleep(random.int(options.plan.gapMinMs, Math.max(options.plan.gapMinMs, options.plan.gapMaxMs)));
    log(`fault ${index + 1}/${plan.length}: ${fault.kind === 'kill' ? `kill -9 ${fault.service}` : fault.kind} (sent ${ledger.sent}, accepted ${ledger.accepted.size}, open batches ${driver.openBatches})`);
    await injector.inject(fault, options.plan.downMaxMs, options.plan.brokerDownMaxMs);
  }
  await sleep(options.plan.tailMs);
  log('stopping the load; waiting for the open batches');
  await driver.stop();
  log(`load stopped after ${driver.seconds.toFixed(0)} s: sent ${ledger.sent}, accepted ${ledger.accepted.size}, abandoned ${ledger.abandoned.size}, rejected batches ${ledger.rejected.length}`);

  // Ready is not enough: one more batch must be accepted after the last fault.
  const probe = await probeIngestion(client, `Bearer ${ingestKey}`, factory, ledger, 60_000);
  log(`probe batch after the faults: ${probe.ok ? `accepted after ${probe.ms} ms` : `NOT accepted within ${probe.ms} ms (last answer ${probe.last})`}`);
  client.close();
  ledger.finish();

  const settle = await waitUntilSettled(options.connection, options.databaseUrl, options.plan.settleTimeoutMs, log);
  log(settle.settled ? `settled after ${settle.ms} ms` : `NOT settled after ${settle.ms} ms: ${JSON.stringify(settle.last)} ${settle.error ?? ''}`);

  const facts = await collectTopicFacts(options.connection);
  const deadLetters = auditDeadLetters(facts, injector.poisons);
  const events = await auditEvents(options.databaseUrl, ledger, deadLetters.lateIds);
  const scores = await auditScores(facts, options.databaseUrl);
  const alerts = await auditAlerts(facts, options.databaseUrl);
  const playbook = await auditPlaybook(facts, options.databaseUrl, ledger);
  const health = await auditHealth(services);
  const secrets = [
    { label: 'ingest key', value: ingestKey },
    { label: 'ingest key secret', value: ingestKey.split('_').slice(2).join('_') },
    { label: 'admin key', value: options.adminKey },
    { label: 'admin key secret', value: options.adminKey.split('_').slice(2).join('_') },
    { label: 'made-up key', value: invalidKey },
    { label: 'Basic authorization value', value: basic.slice('Basic '.length) },
    ...(options.databasePassword ? [{ label: 'database password', value: options.databasePassword }] : []),
  ];
  const logPaths = Object.values(services).map((service) => service.logPath);
  const scan = scanLogsForSecrets(logPaths, secrets);
  const logLines = countNotableLogLines(Object.fromEntries(Object.entries(services).map(([name, service]) => [name, service.logPath])) as Record<ServiceName, string>);

  const faultCounts = countFaults(injector.records);
  const failedFaults = injector.records.filter((record) => !record.ok);
  const check = (name: string, ok: boolean, detail: string): CheckResult => ({ name, ok, detail });
  const checks: CheckResult[] = [
    check('every accepted event applied (none lost)', events.lost === 0 && events.lostInState === 0, `lost ${events.lost} (${events.lateDeadLetters} dead-lettered as late), claimed but missing from state ${events.lostInState}${events.lostSample.length ? `; e.g. ${events.lostSample.join(', ')}` : ''}`),
    check('no event applied twice', events.duplicated === 0, `duplicated ${events.duplicated}${events.duplicatedSample.length ? `; ${events.duplicatedSample.join('; ')}` : ''}`),
    check('no event applied that the sender never sent', events.phantom === 0, `phantom ${events.phantom}`),
    check('every batch answered 202 in the end (none refused, none abandoned)', events.rejectedBatches === 0 && events.abandoned === 0, `rejected batches ${events.rejectedBatches}${ledger.rejected[0] ? ` (first: ${ledger.rejected[0].status} ${ledger.rejected[0].body})` : ''}, abandoned events ${events.abandoned}`),
    check('consumer lag gone and outboxes empty within the deadline', settle.settled, `${settle.ms} ms; last ${JSON.stringify(settle.last)}${settle.error ? `; ${settle.error}` : ''}`),
    check('every score change of the history on the scores topic', scores.missing === 0 && scores.gaps === 0, `history ${scores.history}, missing from the topic ${scores.missing}, accounts with gaps ${scores.gaps}${scores.sample.length ? `; ${scores.sample.join('; ')}` : ''}`),
    check('no score change on the topic without its history row', scores.phantom === 0, `phantom ${scores.phantom}`),
    check('at most one active alert per (account, rule) in the store', alerts.activeDuplicates === 0, `pairs with duplicates ${alerts.activeDuplicates}`),
    check('one alert per trigger episode on the alerts topic', alerts.openedTwice === 0 && alerts.overlappingEpisodes === 0, `opened ${alerts.opened}, opened twice ${alerts.openedTwice}, overlapping episodes ${alerts.overlappingEpisodes}${alerts.sample.length ? `; ${alerts.sample.join('; ')}` : ''}`),
    check('alert store and alerts topic agree', alerts.storedWithoutOpened === 0 && alerts.openedWithoutStored === 0, `stored without 'opened' ${alerts.storedWithoutOpened}, 'opened' without a stored alert ${alerts.openedWithoutStored}`),
    check('every poison message in its DLQ, from every consumer group of its topic', injector.poisons.length > 0 && deadLetters.missing.length === 0, `${deadLetters.found}/${deadLetters.expected} (topic, group) pairs${deadLetters.missing.length ? `; ${deadLetters.missing.join('; ')}` : ''}`),
    check('playbook: every accepted NPS answer projected, every task announced', playbook.npsProjected === playbook.npsAccepted && playbook.tasksWithoutEvent === 0 && playbook.eventsWithoutTask === 0, `nps ${playbook.npsProjected}/${playbook.npsAccepted}; tasks ${playbook.tasks}, task.created ${playbook.taskEvents}, tasks without event ${playbook.tasksWithoutEvent}, events without task ${playbook.eventsWithoutTask}`),
    check('ingestion accepts events again after the faults (a probe batch answered 202 within 60 s)', probe.ok, `${probe.ok ? 'accepted' : 'not accepted'} after ${probe.ms} ms, ${probe.attempts} attempts, last answer ${probe.last}`),
    check('services ready again (/readyz 200)', Object.values(health).every((answer) => answer.status === 200), Object.entries(health).map(([name, answer]) => `${name} ${answer.status}${answer.status === 200 ? '' : ` ${answer.body}`}`).join(', ')),
    check('every fault injected and recovered from', failedFaults.length === 0, failedFaults.length ? failedFaults.map((record) => `${record.kind} ${record.target}: ${record.detail}`).join('; ') : `${injector.records.length} faults`),
    check('no API key, Authorization value or database password in the service logs', scan.findings.length === 0, `${secrets.length} secrets looked for in ${logPaths.length} logs (${(scan.bytes / 1e6).toFixed(1)} MB)${scan.findings.length ? `; found: ${scan.findings.map((finding) => `${finding.secret} in ${finding.path}:${finding.line}`).join('; ')}` : ''}`),
  ];
  return {
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date().toISOString(),
    seconds: (Date.now() - started) / 1000,
    loadSeconds: driver.seconds,
    seed: options.seed,
    answers: Object.fromEntries(ledger.answers),
    retries: ledger.retries,
    longestWithoutAccept: { ms: ledger.longestWithoutAcceptMs, endedAt: ledger.longestWithoutAcceptEndedAt },
    probe,
    reportedDuplicates: ledger.reportedDuplicates,
    redelivered: injector.redelivered.size,
    faults: injector.records,
    faultCounts,
    settle,
    events,
    scores,
    alerts,
    deadLetters,
    playbook,
    health,
    logLines,
    logScan: { files: logPaths.length, bytes: scan.bytes, secrets: secrets.length, findings: scan.findings },
    checks,
    failures: checks.filter((entry) => !entry.ok),
  };
}

/** Posts one fresh event until it is accepted or the deadline passes (the answer bodies are kept short). */
async function probeIngestion(
  client: IngestClient,
  authorization: string,
  factory: ChaosEventFactory,
  ledger: EventLedger,
  timeoutMs: number,
): Promise<{ ok: boolean; ms: number; attempts: number; last: string }> {
  const started = Date.now();
  const events = factory.batch(1).slice(-1);
  ledger.sent += events.length;
  const body = JSON.stringify({ events });
  let attempts = 0;
  let last = '';
  while (Date.now() - started < timeoutMs) {
    attempts += 1;
    const answer = await client.post('/v1/events', body, { authorization });
    ledger.noteAnswer(answer.kind);
    last = `${answer.kind} ${answer.body.slice(0, 200)}`;
    if (answer.status === 202) {
      ledger.accept(events, 0);
      return { ok: true, ms: Date.now() - started, attempts, last };
    }
    await sleep(answer.retryAfterMs ?? 1000);
  }
  ledger.abandon(events);
  return { ok: false, ms: Date.now() - started, attempts, last };
}

/** One Segment `track` call, with the key as Basic auth or as `writeKey` in the body; its messageId goes in the ledger. */
async function postSegment(driver: LoadDriver, ledger: EventLedger, factory: ChaosEventFactory, headers: Record<string, string>, writeKey?: string): Promise<void> {
  const event: SentEvent = { id: factory.nextId(), type: 'feature.used', accountId: factory.accountId(0), userId: 'u1', timestamp: new Date().toISOString(), properties: { feature: 'reports' } };
  const body = {
    messageId: event.id,
    userId: event.userId,
    event: 'Feature Used',
    properties: event.properties,
    context: { groupId: event.accountId },
    timestamp: event.timestamp,
    ...(writeKey ? { writeKey } : {}),
  };
  ledger.sent += 1;
  const answer = await driver.deliver([event], '/v1/track', JSON.stringify(body), headers);
  if (answer.status !== 200) throw new Error(`Segment track answered ${answer.status}: ${answer.body.slice(0, 300)}`);
}

function countFaults(records: readonly FaultRecord[]): Record<FaultKind, number> {
  const counts: Record<FaultKind, number> = { 'kill -9': 0, 'broker restart': 0, 'postgres restart': 0, 'redis flush': 0, 'poison message': 0, redelivery: 0, 'client retry': 0 };
  // A poison fault sends one record to each consumed topic.
  for (const record of records) if (record.ok) counts[record.kind] += record.kind === 'poison message' ? consumedTopics.length : 1;
  return counts;
}
