import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { enqueueOutbox, type OutboxMessage } from '@bellwether/platform';
import { INGESTION_SCHEMA } from '../migrations';

/** Ingestion's outbox (`ingestion.outbox`), published by the relay in id order. */
@Injectable()
export class IngestionOutboxRepository {
  /** Adds `messages`, in order, inside the caller's transaction (nothing for none). */
  async enqueue(manager: EntityManager, messages: readonly OutboxMessage[]): Promise<void> {
    await enqueueOutbox(manager, INGESTION_SCHEMA, messages);
  }
}
