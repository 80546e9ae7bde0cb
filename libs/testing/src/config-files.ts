import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@bellwether/platform';

/** A test's folder of configuration files (a fresh temporary folder). */
export interface ConfigFileFolder {
  readonly dir: string;
  /** Writes `name` into the folder and returns its path: a string as it is, anything else as JSON. */
  write(name: string, content: unknown): string;
}

/** A fresh temporary folder (`<tmpdir>/<prefix>XXXXXX`) for the configuration files a test writes. */
export function configFileFolder(prefix: string): ConfigFileFolder {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    write(name, content) {
      const file = join(dir, name);
      writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
      return file;
    },
  };
}

/**
 * The problems of the ConfigError that `load` throws: what a service would stop its start with.
 * Throws when `load` throws anything else, or nothing (the test then fails).
 */
export function configProblems(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError, and the load succeeded');
}
