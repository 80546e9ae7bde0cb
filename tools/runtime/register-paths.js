// Resolves the @bellwether/* workspace aliases of tsconfig.base.json against the compiled tree
// in dist/, so `node -r ./tools/runtime/register-paths.js dist/apps/<app>/src/main.js` runs
// the same import graph that TypeScript checked. One source of truth: the tsconfig paths.
const path = require('node:path');
const tsConfigPaths = require('tsconfig-paths');
const { compilerOptions } = require('../../tsconfig.base.json');

tsConfigPaths.register({
  baseUrl: path.resolve(__dirname, '../../dist'),
  paths: compilerOptions.paths,
});
