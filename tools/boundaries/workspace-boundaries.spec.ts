import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The workspace's layering rules that Nx's lint does not check here. `@nx/enforce-module-boundaries`
 * checks the tags of every `@bellwether/*` import, but this workspace's project graph is built
 * without source analysis, so the rule cannot see an import cycle between libs, and no rule of it
 * forbids a deep import or a relative path into another project. This test reads the imports
 * itself (style.md, practice 2: "Import a lib only through its index.ts; no deep imports; no
 * import cycles"). Test files are left out of the cycle check: a spec may use libs/testing,
 * which itself builds on kafka and platform.
 */
const workspace = resolve(__dirname, '../..');
const projectDirs = ['apps', 'libs'].flatMap((parent) =>
  readdirSync(join(workspace, parent), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(workspace, parent, entry.name, 'project.json')))
    .map((entry) => `${parent}/${entry.name}`),
);
const libNames = new Set(projectDirs.filter((dir) => dir.startsWith('libs/')).map((dir) => dir.slice('libs/'.length)));
const testFile = /\.(spec|int-spec|e2e-spec)\.ts$/;

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Module specifiers of a file's static imports and re-exports (`from '…'`) and dynamic `import('…')`. */
function importsOf(path: string): string[] {
  const source = readFileSync(path, 'utf8');
  return [...source.matchAll(/\bfrom\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g)].map((match) => match[1] ?? match[2] ?? '');
}

/** The project directory (`libs/kafka`) holding a path, or null outside apps/ and libs/. */
function projectOf(path: string): string | null {
  const rel = relative(workspace, path).split(sep).join('/');
  return projectDirs.find((dir) => rel === dir || rel.startsWith(`${dir}/`)) ?? null;
}

describe('workspace boundaries', () => {
  const sources = ['apps', 'libs', 'e2e', 'scripts', 'tools'].flatMap((dir) => tsFiles(join(workspace, dir)));

  it('finds the projects and their sources', () => {
    expect(projectDirs).toEqual(expect.arrayContaining(['apps/scoring', 'libs/contracts', 'libs/kafka']));
    expect(sources.length).toBeGreaterThan(100);
  });

  it('imports a lib only through its index: no `@bellwether/<lib>/…` deep import, and only libs that exist', () => {
    const offending = sources.flatMap((file) =>
      importsOf(file)
        .filter((name) => name.startsWith('@bellwether/'))
        .filter((name) => name.split('/').length > 2 || !libNames.has(name.split('/')[1] ?? ''))
        .map((name) => `${relative(workspace, file)}: ${name}`),
    );
    expect(offending).toEqual([]);
  });

  it('never reaches into another project by a relative path (apps, libs, e2e and scripts use `@bellwether/*`)', () => {
    const offending = sources.flatMap((file) => {
      const own = projectOf(file);
      return importsOf(file)
        .filter((name) => name.startsWith('.'))
        .filter((name) => {
          const target = projectOf(resolve(dirname(file), name));
          return target !== null && target !== own;
        })
        .map((name) => `${relative(workspace, file)}: ${name}`);
    });
    expect(offending).toEqual([]);
  });

  it('has no import cycle between libs in production code', () => {
    const edges = new Map<string, Set<string>>([...libNames].map((lib) => [lib, new Set<string>()]));
    for (const lib of libNames) {
      for (const file of tsFiles(join(workspace, 'libs', lib, 'src')).filter((path) => !testFile.test(path))) {
        for (const name of importsOf(file)) {
          const target = name.startsWith('@bellwether/') ? name.split('/')[1] : undefined;
          if (target && target !== lib && libNames.has(target)) edges.get(lib)?.add(target);
        }
      }
    }
    const cycles: string[] = [];
    const visit = (lib: string, path: readonly string[]): void => {
      for (const next of edges.get(lib) ?? []) {
        if (next === path[0]) cycles.push([...path, next].join(' → '));
        else if (!path.includes(next) && next > path[0]!) visit(next, [...path, next]);
      }
    };
    for (const lib of [...libNames].sort()) visit(lib, [lib]);
    expect(cycles).toEqual([]);
  });
});
