import type { TelemetryEvent } from '@bellwether/contracts';
import type { NativeEvent } from './event-batch.validator';

/**
 * The `bellwether.events.v1` message of an accepted event. Pure; every event the native
 * validator or the Segment normalizer accepts becomes a message `validateTelemetryEvent` accepts
 * (the property test in ingestion-inputs.spec.ts holds that). `trusted` (the key has the
 * `accounts:write` scope, or the admin API made the event) sets `trustedAttributes`, the only way
 * ownership attributes reach scoring; nothing a client sends maps to it.
 */
export function toTelemetryEvent(event: NativeEvent, receivedAt: string, source: TelemetryEvent['source'], trusted = false): TelemetryEvent {
  return {
    schemaVersion: 1,
    id: event.id,
    type: event.type,
    accountId: event.accountId,
    ...(event.userId ? { userId: event.userId } : {}),
    timestamp: new Date(event.timestamp).toISOString(),
    receivedAt,
    source,
    properties: event.properties ?? {},
    ...(trusted ? { trustedAttributes: true as const } : {}),
  };
}
