import {
  BRANCH_FIELDS,
  BRANCH_OPS,
  EXIT_CRITERIA,
  INCIDENT_CATEGORIES,
  INCIDENT_SEVERITIES,
  RUN_OUTCOMES,
  STEP_KINDS,
  TASK_ROLES,
  type BranchCondition,
  type ExitCriterion,
  type PlaybookDefinition,
  type PlaybookTrigger,
  type PlaybookVariant,
  type StepDefinition,
} from './playbook.types';
import { HEALTH_BANDS, LIFECYCLE_STAGES, SEGMENTS } from '@bellwether/contracts';
import { emailTemplateProblems, type EmailTemplates } from './email-template';

/** One problem in a definition; `path` names the field (`steps.2.dueInHours`), `''` the root. */
export interface ValidationError {
  readonly path: string;
  readonly message: string;
}

export type PlaybookValidationResult =
  | { readonly ok: true; readonly playbook: PlaybookDefinition }
  | { readonly ok: false; readonly errors: readonly ValidationError[] };

/** Ids of playbooks, steps and variants: they end up in idempotency keys (`<runId>:<stepId>`). */
export const ID_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
const ID_RULE = `must match ${ID_PATTERN.source} (lower-case letters, digits, "-" and "_")`;

/** `steps.2.dueInHours: must be a positive number` — one line per error, for API responses and logs. */
export function formatValidationError(error: ValidationError): string {
  return error.path === '' ? error.message : `${error.path}: ${error.message}`;
}

type Obj = { readonly [key: string]: unknown };

const isObject = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);
const at = (base: string, key: string | number): string => (base === '' ? String(key) : `${base}.${key}`);
const list = (values: readonly string[]): string => values.join(', ');

/** Collects errors while parsing; every reader returns `undefined` when it reported one. */
class Reader {
  readonly errors: ValidationError[] = [];

  fail(path: string, message: string): undefined {
    this.errors.push({ path, message });
    return undefined;
  }

  object(value: unknown, path: string): Obj | undefined {
    return isObject(value) ? value : this.fail(path, 'must be an object');
  }

  onlyKeys(obj: Obj, allowed: readonly string[], path: string): void {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) this.fail(at(path, key), `unknown field (allowed: ${list(allowed)})`);
    }
  }

  string(obj: Obj, key: string, path: string): string | undefined {
    const value = obj[key];
    if (value === undefined) return this.fail(at(path, key), 'is required');
    return typeof value === 'string' && value.trim() !== '' ? value : this.fail(at(path, key), 'must be a non-empty string');
  }

  optionalString(obj: Obj, key: string, path: string): string | undefined {
    return obj[key] === undefined ? undefined : this.string(obj, key, path);
  }

  id(obj: Obj, key: string, path: string): string | undefined {
    const value = this.string(obj, key, path);
    if (value === undefined) return undefined;
    return ID_PATTERN.test(value) ? value : this.fail(at(path, key), ID_RULE);
  }

  positiveNumber(obj: Obj, key: string, path: string): number | undefined {
    const value = obj[key];
    if (value === undefined) return this.fail(at(path, key), 'is required');
    return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : this.fail(at(path, key), 'must be a positive number');
  }

  oneOf<T extends string>(obj: Obj, key: string, values: readonly T[], path: string, what = 'value'): T | undefined {
    const value = obj[key];
    if (value === undefined) return this.fail(at(path, key), 'is required');
    const found = values.find((v) => v === value);
    return found ?? this.fail(at(path, key), `unknown ${what} ${JSON.stringify(value)} (expected one of ${list(values)})`);
  }

  array(obj: Obj, key: string, path: string, nonEmpty: boolean): readonly unknown[] | undefined {
    const value = obj[key];
    if (value === undefined) return this.fail(at(path, key), 'is required');
    if (!Array.isArray(value)) return this.fail(at(path, key), 'must be an array');
    if (nonEmpty && value.length === 0) return this.fail(at(path, key), 'must not be empty');
    return value;
  }
}

/**
 * Checks an untrusted playbook definition (an admin's JSON, a stored row) and returns a clean
 * copy holding only the known fields, or every error found with the path of the bad field.
 * Beyond field shapes it rejects duplicate step/variant ids, branch targets that do not exist,
 * variant weights that do not sum to more than 0, and step cycles with no `wait` in them
 * (they could never make progress in time).
 */
export function validatePlaybook(input: unknown): PlaybookValidationResult {
  const r = new Reader();
  const playbook = readPlaybook(r, input);
  return playbook !== undefined && r.errors.length === 0 ? { ok: true, playbook } : { ok: false, errors: r.errors };
}

function readPlaybook(r: Reader, input: unknown): PlaybookDefinition | undefined {
  const obj = r.object(input, '');
  if (obj === undefined) return undefined;
  r.onlyKeys(obj, ['id', 'version', 'name', 'trigger', 'steps', 'exitCriteria', 'variants'], '');
  const id = r.id(obj, 'id', '');
  const version = readVersion(r, obj.version);
  const name = r.string(obj, 'name', '');
  const trigger = obj.trigger === undefined ? r.fail('trigger', 'is required') : readTrigger(r, obj.trigger, 'trigger');
  const steps = readSteps(r, obj, 'steps', '');
  const exitCriteria = readExitCriteria(r, obj);
  const variants = obj.variants === undefined ? undefined : readVariants(r, obj);
  if (id === undefined || version === undefined || name === undefined || trigger === undefined || steps === undefined || exitCriteria === undefined) {
    return undefined;
  }
  if (obj.variants !== undefined && variants === undefined) return undefined;
  return { id, version, name, trigger, steps, exitCriteria, ...(variants === undefined ? {} : { variants }) };
}

function readVersion(r: Reader, value: unknown): number | undefined {
  if (value === undefined) return r.fail('version', 'is required');
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : r.fail('version', 'must be a positive integer');
}

function readTrigger(r: Reader, value: unknown, path: string): PlaybookTrigger | undefined {
  const obj = r.object(value, path);
  if (obj === undefined) return undefined;
  const kind = r.oneOf(obj, 'kind', ['alert_rule', 'incident', 'segment_entered', 'lifecycle_stage'] as const, path, 'trigger kind');
  switch (kind) {
    case undefined:
      return undefined;
    case 'alert_rule': {
      r.onlyKeys(obj, ['kind', 'ruleIds'], path);
      const ruleIds = r.array(obj, 'ruleIds', path, true);
      if (ruleIds === undefined) return undefined;
      const clean: string[] = [];
      ruleIds.forEach((ruleId, i) => {
        if (typeof ruleId !== 'string' || ruleId.trim() === '') r.fail(at(path, `ruleIds.${i}`), 'must be a non-empty string');
        else if (clean.includes(ruleId)) r.fail(at(path, `ruleIds.${i}`), `duplicate rule id ${JSON.stringify(ruleId)}`);
        else clean.push(ruleId);
      });
      return clean.length === ruleIds.length ? { kind, ruleIds: clean } : undefined;
    }
    case 'incident': {
      r.onlyKeys(obj, ['kind', 'category', 'minSeverity'], path);
      const category = r.oneOf(obj, 'category', INCIDENT_CATEGORIES, path, 'incident category');
      const minSeverity = obj['minSeverity'] === undefined ? undefined : r.oneOf(obj, 'minSeverity', INCIDENT_SEVERITIES, path, 'severity');
      if (category === undefined || (obj['minSeverity'] !== undefined && minSeverity === undefined)) return undefined;
      return { kind, category, ...(minSeverity === undefined ? {} : { minSeverity }) };
    }
    case 'segment_entered': {
      r.onlyKeys(obj, ['kind', 'segment'], path);
      const segment = r.oneOf(obj, 'segment', SEGMENTS, path, 'segment');
      return segment === undefined ? undefined : { kind, segment };
    }
    case 'lifecycle_stage': {
      r.onlyKeys(obj, ['kind', 'stage'], path);
      const stage = r.oneOf(obj, 'stage', LIFECYCLE_STAGES, path, 'lifecycle stage');
      return stage === undefined ? undefined : { kind, stage };
    }
  }
}

function readExitCriteria(r: Reader, obj: Obj): readonly ExitCriterion[] | undefined {
  const values = r.array(obj, 'exitCriteria', '', false);
  if (values === undefined) return undefined;
  const clean: ExitCriterion[] = [];
  values.forEach((value, i) => {
    const path = `exitCriteria.${i}`;
    const found = EXIT_CRITERIA.find((c) => c === value);
    if (found === undefined) r.fail(path, `unknown exit criterion ${JSON.stringify(value)} (expected one of ${list(EXIT_CRITERIA)})`);
    else if (clean.includes(found)) r.fail(path, `duplicate exit criterion "${found}"`);
    else clean.push(found);
  });
  return clean.length === values.length ? clean : undefined;
}

function readVariants(r: Reader, obj: Obj): readonly PlaybookVariant[] | undefined {
  const values = r.array(obj, 'variants', '', false);
  if (values === undefined) return undefined;
  const clean: PlaybookVariant[] = [];
  const seen = new Map<string, number>();
  let weightsValid = true;
  let totalWeight = 0;
  values.forEach((value, i) => {
    const path = `variants.${i}`;
    const variant = r.object(value, path);
    if (variant === undefined) return;
    r.onlyKeys(variant, ['id', 'weight', 'steps'], path);
    const id = r.id(variant, 'id', path);
    if (id !== undefined && seen.has(id)) {
      r.fail(at(path, 'id'), `duplicate variant id "${id}" (first used at variants.${seen.get(id)})`);
    } else if (id !== undefined) {
      seen.set(id, i);
    }
    const weight = variant.weight;
    const weightOk = typeof weight === 'number' && Number.isFinite(weight) && weight >= 0;
    if (weight === undefined) r.fail(at(path, 'weight'), 'is required');
    else if (!weightOk) r.fail(at(path, 'weight'), 'must be a number ≥ 0');
    weightsValid &&= weightOk;
    if (weightOk) totalWeight += weight;
    const steps = variant.steps === undefined ? undefined : readSteps(r, variant, 'steps', path);
    if (id !== undefined && weightOk && (variant.steps === undefined || steps !== undefined)) {
      clean.push({ id, weight, ...(steps === undefined ? {} : { steps }) });
    }
  });
  if (weightsValid && totalWeight <= 0) {
    r.fail('variants', 'variant weights must sum to more than 0');
    return undefined;
  }
  return clean.length === values.length ? clean : undefined;
}

/** Reads a step list: each step's fields, unique ids, existing branch targets, no wait-less cycle. */
function readSteps(r: Reader, owner: Obj, key: string, ownerPath: string): readonly StepDefinition[] | undefined {
  const path = at(ownerPath, key);
  const values = r.array(owner, key, ownerPath, true);
  if (values === undefined) return undefined;
  const before = r.errors.length;
  const steps: StepDefinition[] = [];
  const firstIndex = new Map<string, number>();
  values.forEach((value, i) => {
    const step = readStep(r, value, at(path, i));
    if (step === undefined) return;
    const first = firstIndex.get(step.id);
    if (first !== undefined) {
      r.fail(at(path, `${i}.id`), `duplicate step id "${step.id}" (first used at ${path}.${first})`);
      return;
    }
    firstIndex.set(step.id, i);
    steps.push(step);
  });
  if (r.errors.length > before) return undefined;
  steps.forEach((step, i) => {
    if (step.kind !== 'branch') return;
    for (const target of ['then', 'else'] as const) {
      if (!firstIndex.has(step[target])) r.fail(at(path, `${i}.${target}`), `branch target "${step[target]}" is not a step id of ${path}`);
    }
  });
  if (r.errors.length > before) return undefined;
  const cycle = findCycleWithoutWait(steps);
  if (cycle !== undefined) return r.fail(path, `steps ${cycle.join(' → ')} form a cycle without a wait step`);
  return steps;
}

function readStep(r: Reader, value: unknown, path: string): StepDefinition | undefined {
  const obj = r.object(value, path);
  if (obj === undefined) return undefined;
  const id = r.id(obj, 'id', path);
  const kind = r.oneOf(obj, 'kind', STEP_KINDS, path, 'step kind');
  if (kind === undefined) return undefined;
  switch (kind) {
    case 'task': {
      r.onlyKeys(obj, ['kind', 'id', 'role', 'title', 'dueInHours', 'template'], path);
      const role = r.oneOf(obj, 'role', TASK_ROLES, path, 'role');
      const title = r.string(obj, 'title', path);
      const dueInHours = r.positiveNumber(obj, 'dueInHours', path);
      const template = r.optionalString(obj, 'template', path);
      if (id === undefined || role === undefined || title === undefined || dueInHours === undefined) return undefined;
      if (obj.template !== undefined && template === undefined) return undefined;
      return { kind, id, role, title, dueInHours, ...(template === undefined ? {} : { template }) };
    }
    case 'email': {
      r.onlyKeys(obj, ['kind', 'id', 'template', 'to', 'subject', 'text', 'html'], path);
      const template = r.string(obj, 'template', path);
      const to = r.oneOf(obj, 'to', ['account_contact'] as const, path, 'recipient');
      const own = readEmailTemplates(r, obj, path, id);
      if (id === undefined || template === undefined || to === undefined || own === undefined) return undefined;
      return { kind, id, template, to, ...own };
    }
    case 'wait': {
      r.onlyKeys(obj, ['kind', 'id', 'hours'], path);
      const hours = r.positiveNumber(obj, 'hours', path);
      return id === undefined || hours === undefined ? undefined : { kind, id, hours };
    }
    case 'branch': {
      r.onlyKeys(obj, ['kind', 'id', 'when', 'then', 'else'], path);
      const when = obj.when === undefined ? r.fail(at(path, 'when'), 'is required') : readCondition(r, obj.when, at(path, 'when'));
      const then = r.id(obj, 'then', path);
      const otherwise = r.id(obj, 'else', path);
      if (id === undefined || when === undefined || then === undefined || otherwise === undefined) return undefined;
      return { kind, id, when, then, else: otherwise };
    }
    case 'webhook': {
      r.onlyKeys(obj, ['kind', 'id', 'url'], path);
      const url = r.string(obj, 'url', path);
      if (url !== undefined && !isHttpUrl(url)) return r.fail(at(path, 'url'), 'must be an absolute http(s) URL');
      return id === undefined || url === undefined ? undefined : { kind, id, url };
    }
    case 'end': {
      r.onlyKeys(obj, ['kind', 'id', 'outcome'], path);
      const outcome = obj.outcome === undefined ? undefined : r.oneOf(obj, 'outcome', RUN_OUTCOMES, path, 'outcome');
      if (id === undefined || (obj.outcome !== undefined && outcome === undefined)) return undefined;
      return { kind, id, ...(outcome === undefined ? {} : { outcome }) };
    }
  }
}

/**
 * An email step's own templates: none, or `subject` and `text` together (and optionally `html`),
 * each a Mustache template whose syntax and names are checked (`emailTemplateProblems`); a problem
 * names the field and the step. Undefined when one was reported.
 */
function readEmailTemplates(r: Reader, obj: Obj, path: string, stepId: string | undefined): Partial<EmailTemplates> | undefined {
  if (obj.subject === undefined && obj.text === undefined && obj.html === undefined) return {};
  const before = r.errors.length;
  const own: { subject?: string; text?: string; html?: string } = {};
  for (const key of ['subject', 'text', 'html'] as const) {
    const value = key === 'html' ? r.optionalString(obj, key, path) : r.string(obj, key, path);
    if (value === undefined) continue;
    const problems = emailTemplateProblems(value);
    for (const problem of problems) r.fail(at(path, key), `template of email step ${JSON.stringify(stepId ?? '?')}: ${problem}`);
    if (problems.length === 0) own[key] = value;
  }
  return r.errors.length > before ? undefined : own;
}

function readCondition(r: Reader, value: unknown, path: string): BranchCondition | undefined {
  const obj = r.object(value, path);
  if (obj === undefined) return undefined;
  r.onlyKeys(obj, ['field', 'op', 'value'], path);
  const field = r.oneOf(obj, 'field', BRANCH_FIELDS, path, 'field');
  const op = r.oneOf(obj, 'op', BRANCH_OPS, path, 'operator');
  const operand = obj.value;
  if (operand === undefined) return r.fail(at(path, 'value'), 'is required');
  if (field === undefined || op === undefined) return undefined;
  if (field === 'health') {
    if (typeof operand !== 'number' || !Number.isFinite(operand) || operand < 0 || operand > 100) {
      return r.fail(at(path, 'value'), 'must be a number from 0 to 100 for field "health"');
    }
    return { field, op, value: operand };
  }
  const allowed: readonly string[] = field === 'band' ? HEALTH_BANDS : SEGMENTS;
  if (field === 'segment' && op !== 'eq') return r.fail(at(path, 'op'), 'must be "eq" for field "segment"');
  if (typeof operand !== 'string' || !allowed.includes(operand)) {
    return r.fail(at(path, 'value'), `must be one of ${list(allowed)} for field "${field}"`);
  }
  return { field, op, value: operand };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Finds a cycle of steps that never passes a `wait` (a run on it would spin until the per-advance
 * cap parks it). Successors: a branch's two targets; nothing after `end`; otherwise the next step.
 */
export function findCycleWithoutWait(steps: readonly StepDefinition[]): string[] | undefined {
  const index = new Map(steps.map((s, i) => [s.id, i] as const));
  const successors = (i: number): number[] => {
    const step = steps[i];
    if (step === undefined || step.kind === 'end') return [];
    const next = step.kind === 'branch' ? [index.get(step.then), index.get(step.else)] : [i + 1 < steps.length ? i + 1 : undefined];
    return next.filter((n): n is number => n !== undefined && steps[n]?.kind !== 'wait');
  };
  const state = new Array<'new' | 'open' | 'done'>(steps.length).fill('new');
  const trail: number[] = [];
  const visit = (i: number): number[] | undefined => {
    state[i] = 'open';
    trail.push(i);
    for (const n of successors(i)) {
      if (state[n] === 'open') return [...trail.slice(trail.indexOf(n)), n];
      if (state[n] === 'new') {
        const found = visit(n);
        if (found !== undefined) return found;
      }
    }
    trail.pop();
    state[i] = 'done';
    return undefined;
  };
  for (let i = 0; i < steps.length; i += 1) {
    if (state[i] !== 'new' || steps[i]?.kind === 'wait') continue;
    const cycle = visit(i);
    if (cycle !== undefined) return cycle.map((n) => steps[n]?.id ?? String(n));
  }
  return undefined;
}
