import { join } from 'node:path';
import { configFileFolder, configProblems } from '@bellwether/testing';
import { loadJsonConfigFile, type ConfigFileValidation } from './config-file';

/** A validator that wants `{ "version": <non-empty string> }`. */
const versioned = (input: unknown): ConfigFileValidation<string> => {
  const version = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)['version'] : undefined;
  return typeof version === 'string' && version !== '' ? { ok: true, value: version } : { ok: false, problems: ['version: is required'] };
};

const folder = configFileFolder('bw-config-file-');
const { dir } = folder;
const fileWith = (name: string, text: string): string => folder.write(name, text);
const problemsOf = (file: string): readonly string[] => configProblems(() => loadJsonConfigFile('THING_FILE', file, versioned));

describe('loadJsonConfigFile', () => {
  it('returns what the validator makes of the file', () => {
    expect(loadJsonConfigFile('THING_FILE', fileWith('good.json', '{"version":"v7"}'), versioned)).toBe('v7');
  });

  it('stops the start naming the variable and the file when the file is missing', () => {
    const missing = join(dir, 'missing.json');
    expect(problemsOf(missing)).toEqual([expect.stringMatching(new RegExp(`^THING_FILE: cannot read ${missing} as JSON \\(.*ENOENT: no such file`))]);
  });

  it('stops the start naming the variable and the file when the file is not JSON', () => {
    const file = fileWith('broken.json', '{"version": v7}');
    expect(problemsOf(file)).toEqual([expect.stringMatching(new RegExp(`^THING_FILE: cannot read ${file} as JSON \\(.*JSON`))]);
  });

  it('prefixes each of the validator’s problems with the variable and the file', () => {
    const file = fileWith('empty.json', '{}');
    expect(problemsOf(file)).toEqual([`THING_FILE ${file}: version: is required`]);
  });
});
