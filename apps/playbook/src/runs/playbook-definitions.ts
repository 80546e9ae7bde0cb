import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@bellwether/platform';
import { builtInPlaybooks, formatValidationError, validatePlaybook, type PlaybookDefinition } from '@bellwether/playbook-domain';

export const PLAYBOOK_DEFINITIONS = Symbol('PLAYBOOK_DEFINITIONS');

/**
 * The built-in playbooks, or every `*.json` of PLAYBOOKS_DIR. Each file is validated; a bad one
 * stops the start with the file and the field named (e.g. `renewal.json: steps.2.dueInHours:
 * must be a positive number`).
 */
export function loadPlaybookDefinitions(dir: string | undefined): readonly PlaybookDefinition[] {
  if (!dir) return builtInPlaybooks;
  let files: string[];
  try {
    files = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
  } catch (error) {
    throw new ConfigError([`PLAYBOOKS_DIR: cannot read ${dir} (${error instanceof Error ? error.message : String(error)})`]);
  }
  const problems: string[] = [];
  const definitions: PlaybookDefinition[] = [];
  for (const file of files) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch (error) {
      problems.push(`${file}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
      continue;
    }
    const result = validatePlaybook(parsed);
    if (result.ok) definitions.push(result.playbook);
    else problems.push(...result.errors.map((error) => `${file}: ${formatValidationError(error)}`));
  }
  if (files.length === 0) problems.push(`PLAYBOOKS_DIR ${dir}: holds no *.json playbook`);
  if (problems.length > 0) throw new ConfigError(problems);
  return definitions;
}
