import { RequestRejected, type RequestProblem } from '@bellwether/platform';
import type { TelemetryEvent } from '@bellwether/contracts';
import type { NativeEvent } from '@bellwether/ingestion-domain';
import { BrokerUnavailableError, countIgnoredOwnership, type EventPublisher } from './event-publisher.service';
import { withoutUntrustedOwnership } from './ownership-trust';

const RETRY_AFTER_SECONDS = '5';

/**
 * Publishes, turning "Kafka did not acknowledge" into 503 + Retry-After (nothing accepted).
 * Events of an untrusted key lose their ownership attributes first (counted, and listed in
 * `ignored` for the answer's warnings); a trusted key's events are marked trusted and lose only
 * the economics that could not be applied (counted and listed the same way). `seen`: the
 * dedup answer per event, when the caller already has it (see `EventPublisher.publish`).
 */
export async function publishOrUnavailable(
  publisher: EventPublisher,
  events: readonly NativeEvent[],
  source: TelemetryEvent['source'],
  trust: { readonly trusted: boolean; readonly indexOf?: (position: number) => number | undefined; readonly seen?: readonly boolean[] } = { trusted: false },
): Promise<{ accepted: number; duplicates: number; ignored: readonly RequestProblem[] }> {
  const filtered = withoutUntrustedOwnership(events, trust.trusted, trust.indexOf);
  try {
    const counts = await publisher.publish(filtered.events, source, trust.trusted, trust.seen);
    countIgnoredOwnership(source, filtered.ignored.length, trust.trusted);
    return { ...counts, ignored: filtered.ignored };
  } catch (error) {
    if (error instanceof BrokerUnavailableError) {
      throw new RequestRejected(503, [{ path: '', message: 'the event log is unavailable; nothing was accepted, retry later' }], { 'Retry-After': RETRY_AFTER_SECONDS });
    }
    throw error;
  }
}
