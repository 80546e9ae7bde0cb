import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { SERVICE_DATA_SOURCE } from '@bellwether/platform';

/**
 * Where scoring opens its Postgres transactions. The repositories' writes take the transaction's
 * `EntityManager`, so one unit of work (claims, state, history, outbox, watermark) commits or
 * rolls back as one. An abstract class, so orchestration unit tests hand in a fake that runs the
 * work directly.
 */
export abstract class ScoringTransactions {
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws (rethrown). */
  abstract run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>;
}

/** `ScoringTransactions` on the service's data source (`SERVICE_DATA_SOURCE`). */
@Injectable()
export class DataSourceTransactions extends ScoringTransactions {
  constructor(@Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource) {
    super();
  }

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
