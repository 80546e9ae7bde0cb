/* eslint-disable no-console -- the backtest reports its progress on stdout */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { deadLetterTopicOf, Topics } from '@bellwether/contracts';
import { KafkaConnection } from '@bellwether/kafka';
import {
  backtestArchetypeMix,
  generateCustomerBase,
  measureBacktest,
  outcomesOfHistory,
  postInArrivalOrder,
  readAlertEpisodes,
  ServiceProcess,
  serviceNames,
  waitForPipelineDrain,
  type ServiceName,
} from '@bellwether/testing';
import { stackServiceEnv, unlimitedIngestRate } from '../common/service-child';
import { machineFacts } from '../chaos/chaos-report';
import { readDailyChurnRisk, readIncidents } from './backtest-readers';
import { assertBacktestDatabase, loadBacktestConfig, type BacktestConfig } from './backtest.config';
import { labelsPathOf, readHistoryFile, writeHistoryFile } from './history-file';
import { writeSignalQualityReport } from './signal-quality-report';

const run = promisify(execFile);

function log(message: string): void {
  console.log(`[backtest ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

async function createKey(config: BacktestConfig, scopes: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['-r', `./${join(config.buildDir, 'tools/runtime/register-paths.js')}`, join(config.buildDir, 'dist/apps/ingestion/src/cli/keys.cli.js'), 'create', '--name', `backtest-${scopes}`, '--scopes', scopes],
    { env: { ...process.env, DATABASE_URL: config.databaseUrl } },
  );
  return (JSON.parse(stdout) as { key: string }).key;
}

/**
 * `npm run backtest` (run.sh prepares the build, database and Redis): takes the history file
 * (BACKTEST_FILE) or writes the seeded synthetic one, runs the four services in their own
 * namespace with CLOCK_MODE=event, posts the history in its order, waits for the pipeline to
 * drain, and writes the figures of the alerts and incidents against the history's own outcomes
 * to docs/signal-quality.md.
 */
async function main(): Promise<number> {
  const config = loadBacktestConfig();
  assertBacktestDatabase(config.databaseUrl);
  const startedAt = new Date().toISOString();
  const started = Date.now();
  const workDir = resolve(config.workDir);
  mkdirSync(join(workDir, 'logs'), { recursive: true });
  mkdirSync(join(workDir, 'run'), { recursive: true });

  const preparing = Date.now();
  let historyPath = config.historyFile;
  if (historyPath === null) {
    const base = generateCustomerBase({
      seed: config.synthetic.seed,
      accounts: config.synthetic.accounts,
      days: config.synthetic.days,
      nowMs: Date.parse(`${config.synthetic.anchorDay}T00:00:00Z`),
      eventsPerActiveUser: config.synthetic.eventsPerActiveUser,
      seats: config.synthetic.seats,
      mix: backtestArchetypeMix,
      accountsPerCsm: config.synthetic.accountsPerCsm,
    });
    historyPath = config.syntheticPath;
    writeHistoryFile(historyPath, base);
    log(`synthetic history (seed ${base.seed}): ${base.accounts.length} accounts × ${base.days} days, ${base.events.length} events, written to ${historyPath}`);
  }
  const events = await readHistoryFile(historyPath);
  const history = outcomesOfHistory(events.map(({ event }) => event));
  const labelsPath = labelsPathOf(historyPath);
  const labels = existsSync(labelsPath) ? new Map(Object.entries((JSON.parse(readFileSync(labelsPath, 'utf8')) as { accounts: Record<string, string> }).accounts)) : undefined;
  const prepareMs = Date.now() - preparing;
  log(`history ${historyPath}: ${events.length} events, ${history.accounts.size} accounts${labels ? ', with generator labels' : ''}, read in ${prepareMs} ms`);

  const env = {
    ...stackServiceEnv(config, 'warn'),
    // No service is killed in a backtest; on a loaded machine a short session drops consumers into rebalance loops.
    KAFKA_SESSION_TIMEOUT_MS: String(config.sessionTimeoutMs),
    ...unlimitedIngestRate,
  };
  const services = Object.fromEntries(
    serviceNames.map((name, index) => [name, new ServiceProcess(name, config.basePort + index, env, { rootDir: resolve(config.buildDir), logDir: join(workDir, 'logs') })]),
  ) as Record<ServiceName, ServiceProcess>;
  const connection = new KafkaConnection({ brokers: config.brokers.split(','), clientId: 'bellwether-backtest', namespace: config.namespace });
  const db = new Client({ connectionString: config.databaseUrl });
  // Pid files let run.sh stop what this driver started if the driver itself dies.
  const pidFile = (name: ServiceName) => join(workDir, 'run', `${name}.pid`);
  const startService = async (name: ServiceName) => {
    await services[name].start(120_000);
    writeFileSync(pidFile(name), `${services[name].pid ?? ''}\n`);
  };
  const stopAll = () =>
    Promise.all(
      serviceNames.map(async (name) => {
        await services[name].stop().catch(() => undefined);
        rmSync(pidFile(name), { force: true });
      }),
    );
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the services`);
    void stopAll()
      .then(() => (process.env['BACKTEST_KEEP_TOPICS'] === '1' ? undefined : connection.deleteNamespaceTopics()))
      .catch((error: unknown) => log(`could not clean up: ${String(error)}`))
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);

  try {
    const machine = await machineFacts(config.databaseUrl, config.redisUrl);
    log(`namespace ${config.namespace}, database ${new URL(config.databaseUrl).pathname.slice(1)}, redis ${config.redisUrl}, ports ${config.basePort}-${config.basePort + 3}`);
    // Ingestion first: it creates the topics the others consume.
    await startService('ingestion');
    await Promise.all([startService('scoring'), startService('alerting'), startService('playbook')]);
    log('the four services are ready');
    await db.connect();
    // A CRM-like sync: its events may set owners (csmId).
    const key = await createKey(config, 'ingest,accounts:write');

    let nextReport = 0.1;
    const posted = await postInArrivalOrder(events, {
      baseUrl: services.ingestion.baseUrl,
      key,
      batchSize: config.batchSize,
      afterBatch: ({ posted: done, total }) => {
        if (done / total >= nextReport) {
          log(`posted ${done} of ${total} events (${Math.round((done / total) * 100)} %)`);
          nextReport += 0.1;
        }
      },
    });
    log(`posted in ${Math.round(posted.ms / 1000)} s: ${posted.requests} requests, ${posted.accepted} accepted, ${posted.duplicates} duplicates, ${posted.retries} retries`);

    const drained = await waitForPipelineDrain(connection, db, { timeoutMs: config.drainTimeoutMs, log });
    log(`drained ${Math.round(drained.ms / 1000)} s after the last request`);

    const alerts = await readAlertEpisodes(db);
    const { incidents, source } = await readIncidents(db);
    const dailyRisk = await readDailyChurnRisk(db);
    const scoreHistoryRows = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM scoring.score_history')).rows[0]?.n ?? 0);
    const deadLetters = await countDeadLetters(connection);
    writeFileSync(join(workDir, `result-${config.label}.json`), JSON.stringify({ command: config.command, gitCommit: config.gitCommit, historyPath, incidentSource: source, alerts, incidents }, null, 1));
    const figures = measureBacktest({ history, alerts, incidents, dailyRisk, ...(labels ? { labels } : {}), aucAheadDays: config.aucAheadDays });
    writeSignalQualityReport(config.reportPath, config, figures, {
      startedAt,
      historyPath,
      events: events.length,
      labelled: labels !== undefined,
      incidentSource: source,
      prepareMs,
      postMs: posted.ms,
      requests: posted.requests,
      retries: posted.retries,
      accepted: posted.accepted,
      duplicates: posted.duplicates,
      drainMs: drained.ms,
      totalMs: Date.now() - started,
      scoreHistoryRows,
      deadLetters,
      machine,
    });
    log(`risk incidents: precision ${figures.byIncidentCategory.find((row) => row.category === 'risk')?.precision?.precision ?? '–'}; churns warned ${figures.recallIncidents.warned}/${figures.recallIncidents.churns}; queue ${figures.queueLoad.perCsmWeek} per CSM-week; AUC ${figures.auc.overall.auc ?? '–'}`);
    log(`report: ${config.reportPath} (section "${config.label}"), in ${Math.round((Date.now() - started) / 1000)} s`);
    return 0;
  } finally {
    await db.end().catch(() => undefined);
    await stopAll();
    if (process.env['BACKTEST_KEEP_TOPICS'] !== '1') await connection.deleteNamespaceTopics().catch((error: unknown) => log(`could not delete the run's topics: ${String(error)}`));
  }
}

/** Records on each consumer's dead-letter topic (lateness and poison), by topic. */
async function countDeadLetters(connection: KafkaConnection): Promise<Record<string, number>> {
  const admin = connection.client.admin();
  await admin.connect();
  try {
    const counts: Record<string, number> = {};
    for (const topic of [Topics.events, Topics.scores, Topics.alerts, Topics.incidents, Topics.playbookRuns, Topics.clock].map(deadLetterTopicOf)) {
      const ends = await admin.fetchTopicOffsets(connection.topic(topic)).catch(() => []);
      counts[topic] = ends.reduce((sum, end) => sum + Number(end.high) - Number(end.low), 0);
    }
    return counts;
  } finally {
    await admin.disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[backtest] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
