/* eslint-disable no-console -- a build tool */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildIngestionOpenApi } from './openapi.document';

/** `npm run openapi`: refreshes docs/openapi.json (a unit test fails while it is stale). */
const target = resolve(__dirname, '../../../../..', 'docs/openapi.json');
writeFileSync(target, `${JSON.stringify(buildIngestionOpenApi(), null, 2)}\n`);
console.log(`wrote ${target}`);
