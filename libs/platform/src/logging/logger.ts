import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';

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
];

export type AppLogger = Logger;

/** JSON lines on stdout, one logger per service, secrets redacted. */
export function createLogger(service: string, level: string = 'info'): AppLogger {
  return pino({
    name: service,
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  });
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

/** Adapter for libs that take `info/warn/error(message, extra)` (e.g. the Kafka consumer). */
export function structuredLogger(logger: AppLogger) {
  return {
    info: (message: string, extra: Record<string, unknown> = {}) => logger.info(extra, message),
    warn: (message: string, extra: Record<string, unknown> = {}) => logger.warn(extra, message),
    error: (message: string, extra: Record<string, unknown> = {}) => logger.error(extra, message),
  };
}
