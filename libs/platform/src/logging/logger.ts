import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { KafkaLogger } from '@bellwether/kafka';
import { serializeLoggedError } from './safe-errors';

/** Paths whose values never reach a log line. */
export const redactedPaths = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.authorization',
  'apiKey',
  '*.apiKey',
  'key',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'writeKey',
  '*.writeKey',
  'DATABASE_URL',
  'REDIS_URL',
  'SMTP_URL',
];

export type AppLogger = Logger;

/**
 * JSON lines on stdout (or `destination`, for tests), one logger per service, secrets redacted;
 * errors under `err` or `error` are serialized without database parameters or quoted values
 * (`serializeLoggedError`).
 */
export function createLogger(service: string, level: string = 'info', destination?: DestinationStream): AppLogger {
  const options = {
    name: service,
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    serializers: { err: serializeLoggedError, error: serializeLoggedError },
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Routes Nest's own logging into the service's JSON logger. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: AppLogger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}

/** Adapter for libs that take `info/warn/error/fatal(message, extra)` (the Kafka lib's `KafkaLogger`). */
export function structuredLogger(logger: AppLogger): KafkaLogger {
  return {
    info: (message: string, extra: Record<string, unknown> = {}) => logger.info(extra, message),
    warn: (message: string, extra: Record<string, unknown> = {}) => logger.warn(extra, message),
    error: (message: string, extra: Record<string, unknown> = {}) => logger.error(extra, message),
    fatal: (message: string, extra: Record<string, unknown> = {}) => logger.fatal(extra, message),
  };
}
