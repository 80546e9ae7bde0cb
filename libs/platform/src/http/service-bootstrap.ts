import { type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { CustomTransportStrategy } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError } from '../config/env';
import { createLogger, NestPinoLogger, type AppLogger } from '../logging/logger';
import { startProcessMetrics } from '../metrics/process-metrics';
import { HttpErrorFilter } from './http-error.filter';
import { installSecurityHeaders } from './security-headers';

export interface ServiceStartOptions {
  readonly service: string;
  readonly port: number;
  /** Address to listen on (`BIND_ADDRESS`): 0.0.0.0 (every interface, the default) or e.g. 127.0.0.1. */
  readonly host?: string;
  readonly logger: AppLogger;
  /** Largest request body accepted, in bytes; larger bodies get 413 before parsing. */
  readonly bodyLimitBytes?: number;
  /** Kafka consumer transport, built once the app's providers exist. */
  readonly transport?: (app: INestApplication) => CustomTransportStrategy;
  /** false: the service installs its own body parsers in `configure` (Nest's are left out). */
  readonly bodyParser?: boolean;
  /**
   * Fastify's trustProxy (from TRUST_PROXY, see `trustProxySetting`): which proxies may name the
   * client address in X-Forwarded-For. Default false: `request.ip` is the socket's peer.
   */
  readonly trustProxy?: boolean | number | string;
  /** Extra setup on the Fastify instance (content-type parsers, hooks) before listening. */
  readonly configure?: (app: NestFastifyApplication) => void | Promise<void>;
}

/**
 * Creates the Nest app on Fastify, attaches the Kafka transport, listens, and closes everything
 * in order on SIGTERM/SIGINT (HTTP stops accepting, consumers leave the group, producers flush,
 * pools close). Returns the running app.
 */
export async function startService(rootModule: Type | ReturnType<() => object>, options: ServiceStartOptions): Promise<NestFastifyApplication> {
  startProcessMetrics(options.service);
  const adapter = new FastifyAdapter({
    bodyLimit: options.bodyLimitBytes ?? 1024 * 1024,
    logger: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    trustProxy: options.trustProxy ?? false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(rootModule as Type, adapter, {
    logger: new NestPinoLogger(options.logger),
    bufferLogs: false,
    abortOnError: false,
    bodyParser: options.bodyParser ?? true,
  });
  app.useGlobalFilters(new HttpErrorFilter(options.logger));
  installSecurityHeaders(app.getHttpAdapter().getInstance());
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await options.configure?.(app);
  // Module init first (migrations, topics, producer), then the consumers: a consumer that
  // subscribed before its topics exist would fail the start.
  await app.init();
  if (options.transport) {
    app.connectMicroservice({ strategy: options.transport(app) }, { inheritAppConfig: true });
    await app.startAllMicroservices();
  }
  const host = options.host ?? '0.0.0.0';
  await app.listen({ port: options.port, host });
  options.logger.info({ port: options.port, host }, `${options.service} listening`);
  return app;
}

/**
 * Runs a service's main: a configuration error stops the process with the message naming the
 * variable (exit 78, EX_CONFIG); any other start failure exits 1. Unhandled rejections are fatal.
 */
export function runService(service: string, main: (logger: AppLogger) => Promise<unknown>): void {
  const logger = createLogger(service, process.env['LOG_LEVEL'] ?? 'info');
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled rejection');
    process.exit(1);
  });
  main(logger).catch((error: unknown) => {
    if (error instanceof ConfigError) {
      logger.fatal({ problems: error.problems }, error.message);
      process.exit(78);
    }
    logger.fatal({ err: error }, `${service} failed to start`);
    process.exit(1);
  });
}
