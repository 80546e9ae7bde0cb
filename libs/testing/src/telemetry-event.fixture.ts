import type { TelemetryEvent } from '@bellwether/contracts';

/**
 * A `bellwether.events.v1` message as ingestion publishes it, for tests: a native event from user
 * `u1`, received at its own event time, with no properties unless given. Any field can be
 * overridden (`userId: undefined` for an account-level event).
 */
export function telemetryEvent(fields: Pick<TelemetryEvent, 'id' | 'accountId' | 'type' | 'timestamp'> & Partial<TelemetryEvent>): TelemetryEvent {
  return { schemaVersion: 1, userId: 'u1', receivedAt: fields.timestamp, source: 'native', properties: {}, ...fields };
}
