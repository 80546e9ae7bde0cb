import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topics, type ScoreChanged } from '@bellwether/contracts';
import type { BatchResults, DecodedBatch } from '@bellwether/kafka';
import { OutboxRelay } from '@bellwether/platform';
import { RuleSetSource } from '../rule-sets/rule-set-activations';
import { AlertApplicationService } from './alert-application.service';

/**
 * Consumes `bellwether.scores.v1` (records arrive decoded and validated; poison ones are already
 * dead-lettered by the transport): once the rule set activations held at start are read, hands
 * the batch to `AlertApplicationService`, which applies it in one transaction, and nudges the
 * outbox relay when it published events.
 */
@Controller()
export class ScoreChangesConsumer {
  constructor(
    private readonly application: AlertApplicationService,
    private readonly relay: OutboxRelay,
    private readonly ruleSets: RuleSetSource,
  ) {}

  @EventPattern(Topics.scores)
  async handle(@Payload() batch: DecodedBatch<ScoreChanged>): Promise<BatchResults> {
    // Never evaluated with a rule set the activation topic has already replaced.
    await this.ruleSets.caughtUp;
    const published = await this.application.applyBatch(batch.records.map((record) => record.value), batch.partition);
    if (published > 0) this.relay.nudge();
    // Every record is ok: a redelivered change is skipped idempotently inside the batch, and a
    // failure rejects, so the whole batch is retried (nothing of it was committed).
    return new Map();
  }
}
