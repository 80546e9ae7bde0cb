import { readFileSync } from 'node:fs';
import { ConfigError } from './env';

/** What a domain validator makes of a configuration file's JSON: the value, or its problems (each naming its field). */
export type ConfigFileValidation<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Reads the JSON file `file` that the environment variable `variable` names (e.g. SCORECARD_FILE,
 * RULES_FILE) and hands the parsed value to `validate`, the owning domain's pure validator.
 * Returns the validated value. Throws ConfigError, which stops the start with exit 78
 * (`runService`): `<variable>: cannot read <file> as JSON (<reason>)` when the file is missing,
 * unreadable or not JSON, else one `<variable> <file>: <problem>` per problem the validator names.
 */
export function loadJsonConfigFile<T>(variable: string, file: string, validate: (input: unknown) => ConfigFileValidation<T>): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError([`${variable}: cannot read ${file} as JSON (${error instanceof Error ? error.message : String(error)})`]);
  }
  const result = validate(parsed);
  if (!result.ok) throw new ConfigError(result.problems.map((problem) => `${variable} ${file}: ${problem}`));
  return result.value;
}
