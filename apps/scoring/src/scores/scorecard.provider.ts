import { loadJsonConfigFile } from '@bellwether/platform';
import { defaultScorecard, scorecardFromConfig, type Scorecard } from '@bellwether/scoring-domain';

export const SCORECARD = Symbol('SCORECARD');

/** The default scorecard, or the versioned one in SCORECARD_FILE; a bad file stops the start. */
export function loadScorecard(file: string | undefined): Scorecard {
  if (!file) return defaultScorecard;
  return loadJsonConfigFile('SCORECARD_FILE', file, (input) => {
    const result = scorecardFromConfig(input);
    return result.ok ? { ok: true, value: result.scorecard } : result;
  });
}
