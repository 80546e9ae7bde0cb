/** Injection tokens for the platform's shared resources. */
export const APP_LOGGER = Symbol('APP_LOGGER');
export const SERVICE_DATA_SOURCE = Symbol('SERVICE_DATA_SOURCE');
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');
