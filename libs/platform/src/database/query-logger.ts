import type { Logger as TypeOrmLogger } from 'typeorm';
import type { AppLogger } from '../logging/logger';
import { describeDatabaseError, isDatabaseError } from '../logging/safe-errors';

/**
 * TypeORM's logging, through the service's JSON logger. A failed query is logged with its text
 * and SQLSTATE code, never its parameters: they carry key hashes, note text and other values the
 * logger's redaction cannot see (TypeORM's own console logger printed them as `-- PARAMETERS:`).
 */
export class QueryLogger implements TypeOrmLogger {
  constructor(private readonly logger: AppLogger) {}

  logQuery(): void {
    // Successful queries are not logged (`logging: ['error']`).
  }

  logQueryError(error: string | Error, query: string): void {
    const described = isDatabaseError(error) ? describeDatabaseError(error) : { type: typeof error === 'string' ? 'string' : error.constructor.name };
    this.logger.error({ query, code: described['code'], err: described }, 'query failed');
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ query, durationMs: time }, 'slow query');
  }

  // TypeORM calls these whatever `logging` says; like its own loggers under `logging: ['error']`,
  // they stay quiet at the usual levels (the database module logs the migrations it applied).
  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }

  logMigration(message: string): void {
    this.logger.debug(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
    else this.logger.debug(String(message));
  }
}
