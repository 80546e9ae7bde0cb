import { readFileSync } from 'node:fs';
import { ConfigError } from '@bellwether/platform';
import { defaultScorecard, scorecardFromConfig, type Scorecard } from '@bellwether/scoring-domain';

export const SCORECARD = Symbol('SCORECARD');

/** The default scorecard, or the versioned one in SCORECARD_FILE; a bad file stops the start. */
export function loadScorecard(file: string | undefined): Scorecard {
  if (!file) return defaultScorecard;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError([`SCORECARD_FILE: cannot read ${file} as JSON (${error instanceof Error ? error.message : String(error)})`]);
  }
  const result = scorecardFromConfig(parsed);
  if (!result.ok) throw new ConfigError(result.problems.map((problem) => `SCORECARD_FILE ${file}: ${problem}`));
  return result.scorecard;
}
