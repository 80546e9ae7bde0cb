/* eslint-disable no-console -- the chaos run reports its progress on stdout */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KafkaConnection } from '@bellwether/kafka';
import { stackServiceEnv } from '../common/service-child';
import { assertChaosDatabase, loadChaosConfig, serviceNames, type ChaosConfig, type ServiceName } from './chaos.config';
import { ChaosService } from './chaos-service';
import { machineFacts, writeReliabilityReport } from './chaos-report';
import { runChaos } from './chaos-run';
import { withDatabase } from './faults';

const run = promisify(execFile);

function log(message: string): void {
  console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

/** True when something already listens on the port (another engineer's stack, say). */
function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * The services get a DATABASE_URL with a password, so the log check has one to look for. The local
 * Postgres trusts 127.0.0.1 and ignores it; a server that does not keeps the URL as it was given.
 */
async function withProbePassword(databaseUrl: string): Promise<{ url: string; password: string | null }> {
  const url = new URL(databaseUrl);
  if (url.password) return { url: databaseUrl, password: decodeURIComponent(url.password) };
  const password = `chaos-pw-${randomBytes(12).toString('hex')}`;
  url.username ||= 'postgres';
  url.password = password;
  try {
    await withDatabase(url.toString(), (client) => client.query('SELECT 1'));
    return { url: url.toString(), password };
  } catch {
    log('the database refuses a made-up password; the services get the URL as given (no password to look for in the logs)');
    return { url: databaseUrl, password: null };
  }
}

async function createAdminKey(config: ChaosConfig, databaseUrl: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['-r', `./${join(config.buildDir, 'tools/runtime/register-paths.js')}`, join(config.buildDir, 'dist/apps/ingestion/src/cli/keys.cli.js'), 'create', '--name', 'chaos-admin', '--scopes', 'admin'],
    { env: { ...process.env, DATABASE_URL: databaseUrl } },
  );
  return (JSON.parse(stdout) as { key: string }).key;
}

async function main(): Promise<number> {
  const config = loadChaosConfig();
  assertChaosDatabase(config.databaseUrl);
  const ports = serviceNames.map((_, index) => config.basePort + index);
  const busy = (await Promise.all(ports.map(async (port) => ((await portInUse(port)) ? port : null)))).filter((port) => port !== null);
  if (busy.length > 0) throw new Error(`ports ${busy.join(', ')} are in use; set CHAOS_BASE_PORT`);

  const database = await withProbePassword(config.databaseUrl);
  const env = { ...stackServiceEnv({ ...config, databaseUrl: database.url }, 'info'), KAFKA_SESSION_TIMEOUT_MS: '6000' };
  const services = Object.fromEntries(serviceNames.map((name, index) => [name, new ChaosService(name, config.basePort + index, env, config.workDir, config.buildDir)])) as Record<
    ServiceName,
    ChaosService
  >;
  const connection = new KafkaConnection({ brokers: config.brokers.split(','), clientId: 'bellwether-chaos', namespace: config.namespace });
  const stopAll = () => Promise.all(Object.values(services).map((service) => service.stop().catch(() => undefined)));
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the services`);
    void stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);

  const startFacts = await machineFacts(config.databaseUrl, config.redisUrl);
  log(`namespace ${config.namespace}, database ${new URL(config.databaseUrl).pathname.slice(1)}, redis ${config.redisUrl}, ports ${ports.join('-')}, seed ${config.seed}`);
  log(`faults: ${config.plan.killsPerService} kill -9 per service, broker restart ${config.plan.restartBroker ? 'yes' : 'no'}, postgres restart ${config.plan.restartPostgres ? 'yes' : 'no'}`);
  try {
    // Ingestion first: it creates the topics the others consume.
    await services.ingestion.start();
    await Promise.all([services.scoring.start(), services.alerting.start(), services.playbook.start()]);
    log('the four services are ready');
    const adminKey = await createAdminKey(config, database.url);
    const outcome = await runChaos({
      services,
      connection,
      databaseUrl: config.databaseUrl,
      redisUrl: config.redisUrl,
      brokers: config.brokers,
      load: config.load,
      plan: config.plan,
      seed: config.seed,
      runTag: config.namespace.replace(/\.$/, ''),
      adminKey,
      databasePassword: database.password,
      log,
    });
    writeReliabilityReport(config.reportPath, config, outcome, { start: startFacts, endLoad: loadavg().map((value) => value.toFixed(2)).join(' / ') });
    const e = outcome.events;
    log(`sent ${e.sent}, accepted ${e.accepted}, applied ${e.applied}, lost ${e.lost + e.lostInState}, duplicated ${e.duplicated}`);
    log(`faults: ${Object.entries(outcome.faultCounts).map(([kind, count]) => `${kind} ${count}`).join(', ')}`);
    for (const check of outcome.checks) log(`${check.ok ? 'ok    ' : 'FAILED'} ${check.name}: ${check.detail}`);
    log(`report: ${config.reportPath}`);
    return outcome.failures.length === 0 ? 0 : 1;
  } finally {
    await stopAll();
    if (process.env['CHAOS_KEEP_TOPICS'] !== '1') await connection.deleteNamespaceTopics().catch((error: unknown) => log(`could not delete the run's topics: ${String(error)}`));
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[chaos] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
