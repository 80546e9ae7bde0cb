// Unit tier: pure logic, no I/O. `*.spec.ts` beside the code.
const preset = require('./jest.preset');
module.exports = { ...preset, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools,scripts}/**/*.spec.ts'] };
