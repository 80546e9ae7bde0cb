import { RequestRejected } from '@bellwether/platform';
import type { TelemetryEvent } from '@bellwether/contracts';
import type { NativeEvent } from './event-batch.validator';
import { BrokerUnavailableError, type EventPublisher } from './event-publisher.service';

const RETRY_AFTER_SECONDS = '5';

/** Publishes, turning "Kafka did not acknowledge" into 503 + Retry-After (nothing accepted). */
export async function publishOrUnavailable(
  publisher: EventPublisher,
  events: readonly NativeEvent[],
  source: TelemetryEvent['source'],
): Promise<{ accepted: number; duplicates: number }> {
  try {
    return await publisher.publish(events, source);
  } catch (error) {
    if (error instanceof BrokerUnavailableError) {
      throw new RequestRejected(503, [{ path: '', message: 'the event log is unavailable; nothing was accepted, retry later' }], { 'Retry-After': RETRY_AFTER_SECONDS });
    }
    throw error;
  }
}
