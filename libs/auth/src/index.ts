export * from './api-key-secret';
export * from './principal';
export * from './api-key.guard';
export * from './api-key-ring';
export * from './auth.module';
export * from './queue-access';
export * from './directory';
export * from './directory-ring';
