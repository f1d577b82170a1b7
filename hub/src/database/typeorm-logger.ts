import { Logger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';

const MAX_QUERY = 300;

/**
 * Sends TypeORM's messages to the Nest logger (pino in the app): failed and slow queries
 * (query text shortened, parameters never logged: they may hold user data), migrations, warnings.
 * Successful queries are not logged.
 */
export class NestTypeOrmLogger implements TypeOrmLogger {
  private readonly logger = new Logger('TypeORM');

  /** Successful queries: not logged. */
  logQuery(): void {}

  /** A failed query: error + shortened query text. */
  logQueryError(error: string | Error, query: string): void {
    this.logger.error({ err: typeof error === 'string' ? error : error.message, query: query.slice(0, MAX_QUERY) }, 'query failed');
  }

  /** A slow query (`time` in ms). */
  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ ms: time, query: query.slice(0, MAX_QUERY) }, 'slow query');
  }

  /** Schema build messages (unused: synchronize is off). */
  logSchemaBuild(message: string): void {
    this.logger.debug?.(message);
  }

  /** Migration progress. */
  logMigration(message: string): void {
    this.logger.log(message);
  }

  /** Other TypeORM messages. */
  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
    else this.logger.log(String(message));
  }
}
