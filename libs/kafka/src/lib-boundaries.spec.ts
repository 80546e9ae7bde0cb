import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * libs/platform imports this lib (outbox relay, pipeline clock, retry config), so this lib must
 * never import the platform back. Nx's lint cannot see such a cycle here: the workspace's project
 * graph is built without source analysis (no @nx/js), so it has no edges. This test reads the
 * imports itself. The Kafka core (everything outside `nest/`) stays free of Nest too.
 */
const root = __dirname;

function productionFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return productionFiles(path);
    return entry.name.endsWith('.ts') && !/\.(spec|int-spec)\.ts$/.test(entry.name) ? [path] : [];
  });
}

function importsOf(path: string): string[] {
  return [...readFileSync(path, 'utf8').matchAll(/from '([^']+)'/g)].map((match) => match[1] ?? '');
}

describe('libs/kafka boundaries', () => {
  const files = productionFiles(root);

  it('imports no workspace lib but the contracts: no cycle with libs/platform or libs/auth', () => {
    const offending = files.flatMap((file) => importsOf(file).filter((name) => name.startsWith('@bellwether/') && name !== '@bellwether/contracts').map((name) => `${relative(root, file)}: ${name}`));
    expect(offending).toEqual([]);
  });

  it('keeps Nest out of the core: only the files under nest/ import @nestjs', () => {
    const offending = files.filter((file) => !relative(root, file).startsWith('nest/')).flatMap((file) => importsOf(file).filter((name) => name.startsWith('@nestjs/')).map((name) => `${relative(root, file)}: ${name}`));
    expect(offending).toEqual([]);
  });
});
