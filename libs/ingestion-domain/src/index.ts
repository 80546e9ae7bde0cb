// Ingestion's pure rules: what a native batch must be, how a Segment batch becomes native events,
// what a track name becomes, and the message an accepted event is published as. No I/O, no Nest.
export * from './input-problem';
export * from './event-batch.validator';
export * from './segment-batch.normalizer';
export * from './track-event-map';
export * from './telemetry-event';
