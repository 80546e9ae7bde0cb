import { isDeepStrictEqual } from 'node:util';
import { CONFIG_VERSION_ID, ConfigTimeline } from '@bellwether/contracts';
import { emailTemplatesFor } from './email-template';
import type { PlaybookDefinition } from './playbook.types';
import { validatePlaybook, type ValidationError } from './playbook.validator';

/**
 * A version of the whole set of playbooks (issue 18 §1): what PLAYBOOKS_DIR (or the built-ins)
 * holds, or an admin posted to `/v1/admin/playbooks`. `version` names the set (unique, immutable
 * once stored); each playbook keeps its own integer `version` (`(id, version)` is one definition).
 */
export interface PlaybookSet {
  /** 1-100 letters, digits, dots, colons, dashes or underscores (`CONFIG_VERSION_ID`). */
  readonly version: string;
  readonly playbooks: readonly PlaybookDefinition[];
}

export type PlaybookSetValidationResult = { readonly ok: true; readonly set: PlaybookSet } | { readonly ok: false; readonly errors: readonly ValidationError[] };

/** What a set must hold beyond each playbook's own validation. */
export interface PlaybookSetOptions {
  /**
   * Every email step must have something to render (its own subject and text, or a built-in
   * template by its `template` name): set when emails go by SMTP, where the playbook service
   * renders them. The webhook adapter gets the template name and renders on its side.
   */
  readonly requireEmailTemplates?: boolean;
}

/**
 * Checks an untrusted set `{ version, playbooks: [...] }` (an admin's JSON, an activation record)
 * and returns a clean copy, or every problem with the path of its field
 * (`playbooks.2.steps.1.dueInHours`): each playbook by `validatePlaybook` (Mustache syntax and
 * names of email templates included), at least one playbook, no playbook id twice, and with
 * `requireEmailTemplates` no email step without a template to render. Pure.
 */
export function validatePlaybookSet(input: unknown, options: PlaybookSetOptions = {}): PlaybookSetValidationResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, errors: [{ path: '', message: 'must be an object { version, playbooks }' }] };
  const body = input as Record<string, unknown>;
  const errors: ValidationError[] = Object.keys(body)
    .filter((key) => key !== 'version' && key !== 'playbooks')
    .map((key) => ({ path: key, message: 'unknown field (allowed: version, playbooks)' }));
  const version = body['version'];
  if (version === undefined) errors.push({ path: 'version', message: 'is required' });
  else if (typeof version !== 'string' || !CONFIG_VERSION_ID.test(version)) errors.push({ path: 'version', message: 'must be 1-100 letters, digits, dots, colons, dashes or underscores' });
  const list = body['playbooks'];
  const playbooks: PlaybookDefinition[] = [];
  if (list === undefined) errors.push({ path: 'playbooks', message: 'is required' });
  else if (!Array.isArray(list)) errors.push({ path: 'playbooks', message: 'must be an array' });
  else if (list.length === 0) errors.push({ path: 'playbooks', message: 'must not be empty' });
  else {
    const firstIndex = new Map<string, number>();
    list.forEach((value: unknown, i) => {
      const result = validatePlaybook(value);
      if (!result.ok) {
        errors.push(...result.errors.map((error) => ({ path: error.path === '' ? `playbooks.${i}` : `playbooks.${i}.${error.path}`, message: error.message })));
        return;
      }
      const first = firstIndex.get(result.playbook.id);
      if (first !== undefined) errors.push({ path: `playbooks.${i}.id`, message: `duplicate playbook id "${result.playbook.id}" (first used at playbooks.${first})` });
      else firstIndex.set(result.playbook.id, i);
      if (options.requireEmailTemplates) errors.push(...missingEmailTemplates(result.playbook).map((error) => ({ ...error, path: `playbooks.${i}.${error.path}` })));
      playbooks.push(result.playbook);
    });
  }
  return errors.length === 0 ? { ok: true, set: { version: version as string, playbooks } } : { ok: false, errors };
}

/** The email steps (main and variant steps) with nothing to render by SMTP, as problems at `steps.2`. */
export function missingEmailTemplates(playbook: PlaybookDefinition): ValidationError[] {
  const lists = [{ path: 'steps', steps: playbook.steps }, ...(playbook.variants ?? []).flatMap((variant, i) => (variant.steps ? [{ path: `variants.${i}.steps`, steps: variant.steps }] : []))];
  return lists.flatMap(({ path, steps }) =>
    steps.flatMap((step, i) =>
      step.kind === 'email' && emailTemplatesFor(step) === null
        ? [
            {
              path: `${path}.${i}`,
              message: `email step "${step.id}" of playbook ${playbook.id} v${playbook.version} has no template to send by SMTP: "${step.template}" is no built-in email template; give the step a subject and a text`,
            },
          ]
        : [],
    ),
  );
}

/**
 * The playbooks of `set` that another stored set (`stored`: each version id and its stored body)
 * holds under the same `(id, version)` with other content, as errors at `playbooks.<i>.version`: a
 * playbook version is one definition across all sets (a run's `playbookVersion` names it), so a
 * changed playbook needs a new version. Stored bodies that are not valid sets, and `set`'s own
 * version, are ignored. Pure.
 */
export function redefinedPlaybooks(set: PlaybookSet, stored: readonly { readonly version: string; readonly body: unknown }[]): ValidationError[] {
  const definitions = stored
    .filter((version) => version.version !== set.version)
    .flatMap((version) => {
      const validated = validatePlaybookSet(version.body);
      return validated.ok ? validated.set.playbooks.map((playbook) => ({ set: version.version, playbook })) : [];
    });
  return set.playbooks.flatMap((playbook, i) => {
    const other = definitions.find((candidate) => candidate.playbook.id === playbook.id && candidate.playbook.version === playbook.version && !isDeepStrictEqual(candidate.playbook, playbook));
    return other ? [{ path: `playbooks.${i}.version`, message: `playbook ${playbook.id} v${playbook.version} is defined otherwise in stored version ${other.set}: give a changed playbook a new version` }] : [];
  });
}

/**
 * The playbook sets in force over event time (issue 18 §1): the PLAYBOOKS_DIR / built-in set
 * before the first activation, then each activation's set from its `effectiveFrom` (the generic
 * `ConfigTimeline` of libs/contracts). A run is started with `timeline.at(trigger event time)`.
 */
export type PlaybookTimeline = ConfigTimeline<PlaybookSet>;

/** The timeline of one set for every event time (before any activation). */
export function playbookTimelineOf(base: PlaybookSet): PlaybookTimeline {
  return ConfigTimeline.of({ version: base.version, config: base });
}

/**
 * The definition a started run advances on: its playbook `(id, version)` in the set that started
 * it (`playbooksVersion`), else in any of `sets` (newest first: a run from before set versions, or
 * whose set is not known here), else undefined (the run stays as it is). Runs already started keep
 * their steps whatever set is activated later.
 */
export function definitionOfRun(sets: readonly PlaybookSet[], run: { readonly playbookId: string; readonly playbookVersion: number; readonly playbooksVersion?: string }): PlaybookDefinition | undefined {
  const matches = (definition: PlaybookDefinition): boolean => definition.id === run.playbookId && definition.version === run.playbookVersion;
  const own = run.playbooksVersion === undefined ? undefined : sets.find((set) => set.version === run.playbooksVersion);
  return own?.playbooks.find(matches) ?? sets.flatMap((set) => set.playbooks).find(matches);
}
