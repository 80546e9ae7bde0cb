import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import type { ClockMode } from '@bellwether/contracts';
import { IsIn, IsInt, IsIP, IsNotEmpty, IsNumber, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';
import { DEFAULT_OUTBOX_RETENTION_HOURS } from '../retention/service-retention';
import { RetryEnv } from './retry-env';

/**
 * Variables every service reads, with the retry section (`RetryEnv`). Each app declares its own
 * class extending this one.
 */
export class CommonEnv extends RetryEnv {
  /** Comma-separated host:port list. */
  @Matches(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, { message: 'KAFKA_BROKERS must be a comma-separated list of host:port' })
  KAFKA_BROKERS!: string;

  /**
   * Prefix for every topic and consumer group, to share one cluster between deployments or test
   * runs. Empty (the default) means the contract's topic names as they are.
   */
  @Matches(/^[a-z0-9._-]{0,60}$/, { message: 'KAFKA_NAMESPACE may hold only a-z, 0-9, ".", "_" and "-" (at most 60)' })
  KAFKA_NAMESPACE = '';

  /**
   * How long the group waits for a silent consumer before giving its partitions to another
   * (a crashed replica's partitions stall this long). The broker allows 6000 to 300000.
   */
  @IsInt()
  @Min(6000)
  @Max(300000)
  KAFKA_SESSION_TIMEOUT_MS = 30000;

  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL!: string;

  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL!: string;

  /**
   * `wall`: live, the wall clock ticks the watermark and drives the timers (SLAs, snoozes, playbook
   * waits). `event`: replays, only event time moves it, and the timers follow the pipeline
   * watermark on `bellwether.watermarks.v1` (`PipelineClock`).
   */
  @IsIn(['wall', 'event'])
  CLOCK_MODE: ClockMode = 'wall';

  @IsInt()
  @Min(0)
  @Max(65535)
  PORT!: number;

  /**
   * The address the HTTP server listens on: an IPv4 or IPv6 address. 0.0.0.0 (the default) is
   * every interface; 127.0.0.1 (or ::1) keeps the service on loopback, behind a local proxy.
   */
  @IsIP(undefined, { message: 'BIND_ADDRESS must be an IPv4 or IPv6 address, e.g. 0.0.0.0 or 127.0.0.1' })
  BIND_ADDRESS = '0.0.0.0';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' = 'info';

  /** Run pending migrations at start (a deployment may run them as a one-shot job instead). */
  @IsIn(['true', 'false'])
  DB_MIGRATE_ON_START: 'true' | 'false' = 'true';

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  SERVICE_INSTANCE_ID?: string;

  /** Requests per second per API key on the read routes (GET; the alert stream's connect). */
  @IsNumber()
  @Min(0.01)
  READ_RATE_LIMIT_PER_SECOND = 20;

  /** Read requests a key may send at once above the smooth rate. */
  @IsInt()
  @Min(1)
  READ_RATE_LIMIT_BURST = 100;

  /** Requests per second per API key on the action routes (acknowledge, snooze, resolve, complete). */
  @IsNumber()
  @Min(0.01)
  ACTION_RATE_LIMIT_PER_SECOND = 10;

  @IsInt()
  @Min(1)
  ACTION_RATE_LIMIT_BURST = 50;

  /** Requests per second per API key on the admin API. */
  @IsNumber()
  @Min(0.01)
  ADMIN_RATE_LIMIT_PER_SECOND = 5;

  @IsInt()
  @Min(1)
  ADMIN_RATE_LIMIT_BURST = 30;

  /** Failed authentications (401) per minute one client address may make, smooth. */
  @IsNumber()
  @Min(0.01)
  AUTH_FAILURE_LIMIT_PER_MINUTE = 60;

  /** Failed authentications one client address may make at once before it gets 429. */
  @IsInt()
  @Min(1)
  AUTH_FAILURE_BURST = 30;

  /**
   * Which proxies may name the client address in X-Forwarded-For (Fastify's trustProxy):
   * `false` (the default: the socket's peer is the client), `true` (trust every hop: only
   * behind a proxy that overwrites the header), a hop count, or a comma-separated list of proxy
   * addresses / CIDRs. The address is what the failed-authentication throttle counts by.
   */
  @Matches(/^(true|false|\d{1,2}|[0-9a-fA-F.:/]+(,\s*[0-9a-fA-F.:/]+)*)$/, {
    message: 'TRUST_PROXY must be true, false, a hop count, or a comma-separated list of addresses/CIDRs',
  })
  TRUST_PROXY = 'false';

  /**
   * Hours the service's published outbox rows are kept as history, then pruned (unpublished rows
   * never are). 0, the default (`DEFAULT_OUTBOX_RETENTION_HOURS`), keeps none: the outbox relay
   * deletes each row in the transaction that sent it, instead of rewriting it as published, since
   * the topics keep what was sent (4 weeks, or compacted). Not negative.
   */
  @IsInt()
  @Min(0)
  OUTBOX_RETENTION_HOURS = DEFAULT_OUTBOX_RETENTION_HOURS;

  /**
   * Seconds between passes of the retention pruner (`RetentionPruner`: published outbox rows,
   * processed-message ids).
   */
  @IsInt()
  @Min(1)
  @Max(86_400)
  RETENTION_PRUNE_INTERVAL_SECONDS = 60;

  /**
   * Most rows one prune statement deletes: each DELETE holds its locks only that long, and a pass
   * runs at most ten of them per table, so a backlog is worked off over several passes.
   */
  @IsInt()
  @Min(1)
  @Max(100_000)
  RETENTION_PRUNE_BATCH_SIZE = 5000;
}

/** TRUST_PROXY as Fastify's `trustProxy` option. */
export function trustProxySetting(env: Pick<CommonEnv, 'TRUST_PROXY'>): boolean | number | string {
  const value = String(env.TRUST_PROXY).trim();
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const NUMERIC = /^-?\d+(\.\d+)?$/;

/**
 * Builds and validates an env class from `source` (process.env by default). Numeric strings
 * become numbers. Throws ConfigError naming every bad variable; values are never echoed,
 * because some are secrets.
 */
export function loadEnv<T extends object>(envClass: new () => T, source: NodeJS.ProcessEnv = process.env): T {
  const defaults = new envClass() as Record<string, unknown>;
  const raw: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined || value === '') continue;
    raw[name] = typeof defaults[name] === 'number' || (NUMERIC.test(value) && isNumericField(envClass, name)) ? Number(value) : value;
  }
  const instance = plainToInstance(envClass, { ...defaults, ...raw }, { exposeDefaultValues: true });
  const errors = validateSync(instance, { whitelist: false, forbidUnknownValues: true });
  if (errors.length > 0) {
    throw new ConfigError(
      errors.map((error) => {
        const messages = Object.values(error.constraints ?? {});
        return raw[error.property] === undefined && defaults[error.property] === undefined
          ? `${error.property} is required (${messages.join('; ')})`
          : `${error.property}: ${messages.join('; ')}`;
      }),
    );
  }
  return instance;
}

function isNumericField(envClass: new () => object, name: string): boolean {
  const type: unknown = Reflect.getMetadata('design:type', envClass.prototype, name);
  return type === Number;
}

/** Splits `KAFKA_BROKERS`. */
export function brokerList(env: Pick<CommonEnv, 'KAFKA_BROKERS'>): string[] {
  return env.KAFKA_BROKERS.split(',').map((broker) => broker.trim());
}
