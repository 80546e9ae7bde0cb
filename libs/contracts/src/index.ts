export * from './topics';
export * from './event-types';
export * from './event-limits';
export * from './storable-text';
export * from './messages';
export * from './schemas';
export * from './validators';
export * from './asyncapi';
