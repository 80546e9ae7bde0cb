import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@bellwether/platform';
import { builtInPlaybooks, emailTemplatesFor, formatValidationError, validatePlaybook, type PlaybookDefinition } from '@bellwether/playbook-domain';

export const PLAYBOOK_DEFINITIONS = Symbol('PLAYBOOK_DEFINITIONS');

/** What loading checks beyond each definition's own validation. */
export interface PlaybookLoadOptions {
  /**
   * Every email step must have something to render (its own subject and text, or a built-in
   * template by its `template` name): set when emails go by SMTP, where the playbook renders them.
   * The webhook adapter gets the template name and renders on its side, so any name does there.
   */
  readonly requireEmailTemplates?: boolean;
}

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

/** The definitions, once `options` hold for each (else a ConfigError naming the source, playbook and step of each problem). */
function checked(definitions: readonly (readonly [string, PlaybookDefinition])[], options: PlaybookLoadOptions): PlaybookDefinition[] {
  const problems = options.requireEmailTemplates ? definitions.flatMap(([source, playbook]) => missingEmailTemplates(playbook).map((problem) => `${source}: ${problem}`)) : [];
  if (problems.length > 0) throw new ConfigError(problems);
  return definitions.map(([, playbook]) => playbook);
}

/** The email steps (main and variant steps) with nothing to render, as `steps.2: …` lines. */
function missingEmailTemplates(playbook: PlaybookDefinition): string[] {
  const lists = [{ path: 'steps', steps: playbook.steps }, ...(playbook.variants ?? []).flatMap((variant, i) => (variant.steps ? [{ path: `variants.${i}.steps`, steps: variant.steps }] : []))];
  return lists.flatMap(({ path, steps }) =>
    steps.flatMap((step, i) =>
      step.kind === 'email' && emailTemplatesFor(step) === null
        ? [`${path}.${i}: email step "${step.id}" of playbook ${playbook.id} v${playbook.version} has no template to send by SMTP: "${step.template}" is no built-in email template; give the step a subject and a text`]
        : [],
    ),
  );
}
