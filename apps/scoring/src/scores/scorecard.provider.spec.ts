import { join } from 'node:path';
import { defaultScorecard } from '@bellwether/scoring-domain';
import { configFileFolder, configProblems } from '@bellwether/testing';
import { loadScorecard } from './scorecard.provider';

const folder = configFileFolder('bw-scorecard-file-');
const { dir } = folder;
const fileWith = (name: string, text: string): string => folder.write(name, text);
const problemsOf = (file: string): readonly string[] => configProblems(() => loadScorecard(file));

describe('loadScorecard (SCORECARD_FILE)', () => {
  it('scores with the default scorecard when no file is named, and with the file’s version over it when one is', () => {
    expect(loadScorecard(undefined)).toBe(defaultScorecard);
    expect(loadScorecard(fileWith('acme.json', '{"version":"acme-2026.2","bands":{"green":75}}'))).toMatchObject({ version: 'acme-2026.2', bands: { green: 75 } });
  });

  it('stops the start naming the file when it is missing or not JSON, and naming the field when one is bad', () => {
    const missing = join(dir, 'missing.json');
    expect(problemsOf(missing)).toEqual([expect.stringMatching(new RegExp(`^SCORECARD_FILE: cannot read ${missing} as JSON \\(.*ENOENT`))]);
    const broken = fileWith('broken.json', '{"version":');
    expect(problemsOf(broken)).toEqual([expect.stringMatching(new RegExp(`^SCORECARD_FILE: cannot read ${broken} as JSON \\(`))]);
    const bad = fileWith('bad.json', '{"version":"x","bands":{"green":120}}');
    expect(problemsOf(bad)).toEqual([`SCORECARD_FILE ${bad}: bands.green: must be a number in (0, 100]`]);
  });
});
