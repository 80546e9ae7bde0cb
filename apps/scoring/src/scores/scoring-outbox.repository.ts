import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { enqueueOutbox, type OutboxMessage } from '@bellwether/platform';
import { SCORING_SCHEMA } from '../migrations';

/** Scoring's outbox (`scoring.outbox`), published by the relay in id order. */
@Injectable()
export class ScoringOutboxRepository {
  /** Adds `messages`, in order, inside the caller's transaction (nothing for none). */
  async enqueue(manager: EntityManager, messages: readonly OutboxMessage[]): Promise<void> {
    await enqueueOutbox(manager, SCORING_SCHEMA, messages);
  }
}
