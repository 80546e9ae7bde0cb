export * from './wait-for';
export * from './test-environment';
export * from './service-process';
