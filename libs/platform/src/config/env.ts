import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { IsIn, IsInt, IsIP, IsNotEmpty, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';
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

  /** `wall`: live, the wall clock ticks the watermark. `event`: replays, only event time moves it. */
  @IsIn(['wall', 'event'])
  CLOCK_MODE: 'wall' | 'event' = 'wall';

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
