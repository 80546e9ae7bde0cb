// Integration tier: real Kafka, Postgres and Redis (started by scripts/test.sh). Serial, since
// the tests share one broker and database.
const preset = require('./jest.preset');
module.exports = {
  ...preset,
  displayName: 'integration',
  testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts'],
  testTimeout: 120000,
  maxWorkers: 1,
};
