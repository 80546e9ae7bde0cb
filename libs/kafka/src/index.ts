export * from './records';
export * from './backoff';
export * from './metrics';
export * from './kafka-connection';
export * from './message-producer';
export * from './batch-consumer';
export * from './kafka-batch.transport';
export * from './topic-tail';
