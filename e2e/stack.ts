import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { topicSpecs, Topics, type PipelineWatermark, type TopicName } from '@bellwether/contracts';
import { KafkaConnection, MessageProducer, TopicTail, type TailedRecord } from '@bellwether/kafka';
import { resetTestDatabase, ServiceProcess, testEnvironment, waitFor, type ServiceName } from '@bellwether/testing';

const run = promisify(execFile);
const workspaceRoot = resolve(__dirname, '..');

export interface StackOptions {
  /** Partition counts that differ from the contract's (topicSpecs), e.g. `{ [Topics.events]: 2 }`. */
  readonly topicPartitions?: Readonly<Partial<Record<TopicName, number>>>;
}

/**
 * The four services as real processes on the real broker, Postgres and Redis, plus an outside
 * observer of every public topic. One per e2e file.
 */
export class Stack {
  readonly services: Record<ServiceName, ServiceProcess>;
  readonly db = new Client({ connectionString: testEnvironment.databaseUrl });
  /** Each run gets its own topics and consumer groups, so runs (and benchmarks) never mix. */
  readonly namespace = `e2e-${randomUUID().slice(0, 8)}.`;
  /** The run's Kafka client, in its namespace (offsets, lag, topics). */
  readonly kafka = new KafkaConnection({ brokers: testEnvironment.kafkaBrokers.split(','), clientId: 'bellwether-e2e', namespace: this.namespace });
  private tail: TopicTail | null = null;
  private producer: MessageProducer | null = null;

  /** `E2E_PORT_OFFSET` lets two checkouts run the e2e suite side by side on one machine. */
  constructor(
    basePort: number,
    extraEnv: Partial<Record<ServiceName, Record<string, string>>> = {},
    private readonly options: StackOptions = {},
  ) {
    basePort += Number(process.env['E2E_PORT_OFFSET'] ?? 0);
    const env = {
      KAFKA_BROKERS: testEnvironment.kafkaBrokers,
      DATABASE_URL: testEnvironment.databaseUrl,
      REDIS_URL: testEnvironment.redisUrl,
      CLOCK_MODE: 'event',
      LOG_LEVEL: 'info',
      API_KEY_CACHE_SECONDS: '0',
      KAFKA_NAMESPACE: this.namespace,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      // Every e2e file sends some keyless or revoked-key requests from 127.0.0.1; the per-address
      // auth-failure throttle has its own test (rate-limits.e2e-spec.ts), which sets it low again.
      AUTH_FAILURE_BURST: '100000',
    };
    this.services = {
      ingestion: new ServiceProcess('ingestion', basePort, { ...env, ...extraEnv.ingestion }),
      scoring: new ServiceProcess('scoring', basePort + 1, { ...env, ...extraEnv.scoring }),
      // A short P1 SLA and fast timers, so escalation is observable within a test once the
      // pipeline clock passes the due time (`publishWatermark`).
      alerting: new ServiceProcess('alerting', basePort + 2, { ...env, ESCALATION_SLA_SECONDS: '4', ALERT_TIMERS_INTERVAL_MS: '250', ...extraEnv.alerting }),
      playbook: new ServiceProcess('playbook', basePort + 3, { ...env, ...extraEnv.playbook }),
    };
  }

  async start(): Promise<void> {
    await resetTestDatabase();
    await this.db.connect();
    // Topics with another partition count than the contract's, created before any service does:
    // the services create only missing topics and leave existing ones as they are.
    const partitions = this.options.topicPartitions ?? {};
    const custom = topicSpecs.filter((spec) => partitions[spec.name as TopicName] !== undefined).map((spec) => ({ ...spec, partitions: partitions[spec.name as TopicName] as number }));
    if (custom.length > 0) await this.kafka.ensureTopics(custom);
    // Ingestion first: it creates the topics the others consume.
    await this.services.ingestion.start();
    await Promise.all([this.services.scoring.start(), this.services.alerting.start(), this.services.playbook.start()]);
    this.tail = new TopicTail(this.kafka, [Topics.events, Topics.scores, Topics.alerts, Topics.incidents, Topics.playbookRuns], { fromBeginning: true });
    await this.tail.start();
  }

  async stop(): Promise<void> {
    await this.tail?.stop();
    await this.producer?.disconnect();
    await Promise.all(Object.values(this.services).map((service) => service.stop()));
    await this.db.end();
    await this.kafka.deleteNamespaceTopics();
  }

  /** Creates an API key through the real CLI, as an operator would. */
  async createKey(scopes: string, extra: string[] = []): Promise<string> {
    const { stdout } = await run(
      process.execPath,
      ['-r', './tools/runtime/register-paths.js', 'dist/apps/ingestion/src/cli/keys.cli.js', 'create', '--name', `e2e-${scopes}`, '--scopes', scopes, ...extra],
      { cwd: workspaceRoot, env: { ...process.env, DATABASE_URL: testEnvironment.databaseUrl } },
    );
    return (JSON.parse(stdout) as { key: string }).key;
  }

  async revokeKey(key: string): Promise<void> {
    const id = key.split('_')[1] ?? '';
    await run(process.execPath, ['-r', './tools/runtime/register-paths.js', 'dist/apps/ingestion/src/cli/keys.cli.js', 'revoke', '--id', id], {
      cwd: workspaceRoot,
      env: { ...process.env, DATABASE_URL: testEnvironment.databaseUrl },
    });
  }

  /** Any call on ingestion's API (the admin routes: directory, accounts, keys) with a bearer key. */
  send(method: string, path: string, key: string, body?: unknown): Promise<Response> {
    return fetch(`${this.services.ingestion.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /**
   * Puts each team (with no managers listed) and its CSMs in the directory through the admin API.
   * The directory reaches the other services over `bellwether.directory.v1`: wait for the view
   * a test needs before asserting on it.
   */
  async putDirectory(adminKey: string, teams: Readonly<Record<string, readonly string[]>>): Promise<void> {
    for (const [team, csms] of Object.entries(teams)) {
      const put = await this.send('PUT', `/v1/admin/directory/teams/${team}`, adminKey, { managers: [] });
      if (put.status !== 200) throw new Error(`PUT team ${team}: ${put.status} ${await put.text()}`);
      for (const csmId of csms) {
        const member = await this.send('PUT', `/v1/admin/directory/csms/${csmId}`, adminKey, { team });
        if (member.status !== 200) throw new Error(`PUT csm ${csmId}: ${member.status} ${await member.text()}`);
      }
    }
  }

  post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.services.ingestion.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  /**
   * Posts raw bytes to ingestion with Node's http client: one request with a Content-Length on a
   * fresh connection, sent in 64 KiB writes, no retry. Resolves once the answer is read and the body fully sent; rejects
   * with the socket error (EPIPE, ECONNRESET) if the server cut the connection before either, even
   * when an answer arrived first: a client that hits that error while sending treats the request
   * as failed and retries it.
   */
  postRaw(path: string, body: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
    return new Promise((resolvePost, rejectPost) => {
      let answer: { status: number; headers: IncomingHttpHeaders; text: string } | undefined;
      let sent = false;
      const settleIfDone = () => {
        if (answer && sent) resolvePost(answer);
      };
      const request = httpRequest(
        `${this.services.ingestion.baseUrl}${path}`,
        { method: 'POST', agent: false, headers: { ...headers, 'content-length': String(body.length) } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            answer = { status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') };
            settleIfDone();
          });
          response.on('error', rejectPost);
        },
      );
      request.on('error', rejectPost);
      // Once an answer was read, Node reports a cut connection only as a close.
      request.on('close', () => {
        if (!sent) rejectPost(Object.assign(new Error('the server closed the connection before the body was sent'), { code: 'EPIPE' }));
      });
      // In 64 KiB writes, each after the last one reached the socket, as a client on a real network
      // does: the server has answered long before the last byte is sent.
      const writeFrom = (offset: number): void => {
        if (offset >= body.length) {
          request.end(() => {
            sent = true;
            settleIfDone();
          });
          return;
        }
        request.write(body.subarray(offset, offset + 65_536), (error) => {
          if (error) rejectPost(error);
          else setImmediate(writeFrom, offset + 65_536);
        });
      };
      writeFrom(0);
    });
  }

  /**
   * Moves the pipeline clock: publishes a `PipelineWatermark` on this run's watermarks topic, as
   * scoring does when its watermark advances. The services run with CLOCK_MODE=event, so alerting's
   * SLA and snooze timers and playbook's waits fire only once a watermark reaches their due time.
   * The readers keep the maximum, so publishing a time behind the current watermark changes nothing.
   */
  async publishWatermark(watermark: string, closedThrough: string | null = null): Promise<void> {
    if (!this.producer) {
      this.producer = new MessageProducer(this.kafka);
      await this.producer.connect();
    }
    const value: PipelineWatermark = { schemaVersion: 1, watermark, closedThrough };
    await this.producer.send(Topics.watermarks, [{ key: 'pipeline', value }]);
  }

  /** Records seen so far on a topic, optionally only one account's. */
  records(topic: string, accountId?: string): TailedRecord[] {
    return (this.tail?.records ?? []).filter((record) => record.topic === topic && (accountId === undefined || record.key === accountId));
  }

  waitForRecord(topic: string, description: string, match: (value: Record<string, unknown>) => boolean, timeoutMs = 60_000): Promise<TailedRecord> {
    return waitFor(() => this.records(topic).find((record) => match(record.value as Record<string, unknown>)), { description, timeoutMs });
  }
}
