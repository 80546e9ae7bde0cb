import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@bellwether/platform';
import { builtInPlaybooks, formatValidationError, missingEmailTemplates, validatePlaybook, type PlaybookDefinition, type PlaybookSet, type PlaybookSetOptions } from '@bellwether/playbook-domain';

/** The PLAYBOOKS_DIR (or built-in) set of playbooks: the timeline's base and the first stored version. */
export const PLAYBOOK_BASE = Symbol('PLAYBOOK_BASE');

/** What loading checks beyond each definition's own validation. */
export type PlaybookLoadOptions = PlaybookSetOptions;

/**
 * The built-in playbooks, or every `*.json` of PLAYBOOKS_DIR. Each file is validated (email
 * templates included: their syntax and names); a bad one stops the start with the file and the
 * field named (e.g. `renewal.json: steps.2.dueInHours: must be a positive number`).
 */
export function loadPlaybookDefinitions(dir: string | undefined, options: PlaybookLoadOptions = {}): readonly PlaybookDefinition[] {
  if (!dir) return checked(builtInPlaybooks.map((playbook) => ['built-in', playbook] as const), options);
  let files: string[];
  try {
    files = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
  } catch (error) {
    throw new ConfigError([`PLAYBOOKS_DIR: cannot read ${dir} (${error instanceof Error ? error.message : String(error)})`]);
  }
  const problems: string[] = [];
  const definitions: (readonly [string, PlaybookDefinition])[] = [];
  for (const file of files) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch (error) {
      problems.push(`${file}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
      continue;
    }
    const result = validatePlaybook(parsed);
    if (result.ok) definitions.push([file, result.playbook]);
    else problems.push(...result.errors.map((error) => `${file}: ${formatValidationError(error)}`));
  }
  if (files.length === 0) problems.push(`PLAYBOOKS_DIR ${dir}: holds no *.json playbook`);
  if (problems.length > 0) throw new ConfigError(problems);
  return checked(definitions, options);
}

/**
 * The PLAYBOOKS_DIR (or built-in) playbooks as a set (issue 18 §1), named by its content:
 * `file-<12 hex>` (or `builtin-<12 hex>`) of the SHA-256 of the definitions' JSON, so a changed
 * file is a new version and an unchanged one the version stored before.
 */
export function loadPlaybookSet(dir: string | undefined, options: PlaybookLoadOptions = {}): PlaybookSet {
  const playbooks = loadPlaybookDefinitions(dir, options);
  const digest = createHash('sha256').update(JSON.stringify(playbooks)).digest('hex').slice(0, 12);
  return { version: `${dir ? 'file' : 'builtin'}-${digest}`, playbooks };
}

/** The definitions, once `options` hold for each (else a ConfigError naming the source, playbook and step of each problem). */
function checked(definitions: readonly (readonly [string, PlaybookDefinition])[], options: PlaybookLoadOptions): PlaybookDefinition[] {
  const problems = options.requireEmailTemplates ? definitions.flatMap(([source, playbook]) => missingEmailTemplates(playbook).map((problem) => `${source}: ${formatValidationError(problem)}`)) : [];
  if (problems.length > 0) throw new ConfigError(problems);
  return definitions.map(([, playbook]) => playbook);
}
