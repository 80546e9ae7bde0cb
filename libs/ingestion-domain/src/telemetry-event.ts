import { isIsoInstant, type TelemetryEvent } from '@bellwether/contracts';
import type { NativeEvent } from './event-batch.validator';

/**
 * The `bellwether.events.v1` message of an accepted event. Pure; every event the native
 * validator or the Segment normalizer accepts becomes a message `validateTelemetryEvent` accepts
 * (the property test in ingestion-inputs.spec.ts holds that). `trusted` (the key has the
 * `accounts:write` scope, or the admin API made the event) sets `trustedAttributes`, the only way
 * ownership attributes reach scoring; nothing a client sends maps to it.
 */
export function toTelemetryEvent(event: NativeEvent, receivedAt: string, source: TelemetryEvent['source'], trusted = false): TelemetryEvent {
  // Called once per published event: no spreads, and no Date round trip for a timestamp the
  // validators already normalized. Key order is the message's JSON order; keep it.
  const timestamp = isIsoInstant(event.timestamp) ? event.timestamp : new Date(event.timestamp).toISOString();
  const properties = event.properties ?? {};
  const message: { -readonly [K in keyof TelemetryEvent]: TelemetryEvent[K] } = event.userId
    ? { schemaVersion: 1, id: event.id, type: event.type, accountId: event.accountId, userId: event.userId, timestamp, receivedAt, source, properties }
    : { schemaVersion: 1, id: event.id, type: event.type, accountId: event.accountId, timestamp, receivedAt, source, properties };
  if (trusted) message.trustedAttributes = true;
  return message;
}
