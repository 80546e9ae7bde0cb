import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { SERVICE_DATA_SOURCE } from '@bellwether/platform';

/**
 * Where ingestion opens its Postgres transactions. The repositories' writes take the
 * transaction's `EntityManager`, so one admin change (row, audit record, outbox message) commits
 * or rolls back as one. An abstract class, so orchestration unit tests hand in a fake that runs
 * the work directly.
 */
export abstract class IngestionTransactions {
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws (rethrown). */
  abstract run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>;
}

/** `IngestionTransactions` on the service's data source (`SERVICE_DATA_SOURCE`). */
@Injectable()
export class DataSourceTransactions extends IngestionTransactions {
  constructor(@Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource) {
    super();
  }

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
