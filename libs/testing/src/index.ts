export * from './wait-for';
export * from './test-environment';
export * from './service-process';
export * from './migrations-round-trip';
export * from './ingestion-inputs.arbitraries';
export * from './seeded-random';
export * from './customer-base';
