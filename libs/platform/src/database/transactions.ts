import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { SERVICE_DATA_SOURCE } from '../tokens';

/**
 * Where a service opens its Postgres transactions. Repositories' writes take the transaction's
 * `EntityManager`, so one unit of work (scoring: claims, state, history, outbox, watermark;
 * ingestion: a row, its audit record and its outbox message) commits or rolls back as one. An
 * abstract class, so orchestration unit tests hand in a fake that runs the work directly.
 * `DatabaseModule` provides it on the service's data source.
 */
export abstract class Transactions {
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws (rethrown). */
  abstract run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>;
}

/** `Transactions` on the service's data source (`SERVICE_DATA_SOURCE`). */
@Injectable()
export class DataSourceTransactions extends Transactions {
  constructor(@Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource) {
    super();
  }

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
