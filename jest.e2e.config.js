// End-to-end tier: the four services as real processes (compiled dist/) over HTTP and Kafka.
const preset = require('./jest.preset');
module.exports = {
  ...preset,
  displayName: 'e2e',
  testMatch: ['<rootDir>/e2e/**/*.e2e-spec.ts'],
  testTimeout: 240000,
  maxWorkers: 1,
};
