import type { AccountSignals, AlertLifecycleEvent, ApiKeyRecord, ClockTick, DirectoryRecord, IncidentLifecycleEvent, PipelineWatermark, PlaybookRunEvent, ScoreChanged, TelemetryEvent } from './messages';
import { buildAsyncApiDocument } from './asyncapi';
import {
  accountSignalsSchema,
  alertLifecycleEventSchema,
  apiKeyRecordSchema,
  clockTickSchema,
  directoryRecordSchema,
  incidentLifecycleEventSchema,
  pipelineWatermarkSchema,
  playbookRunEventSchema,
  scoreChangedSchema,
  telemetryEventSchema,
} from './schemas';
import {
  accountEconomicsOf,
  validateAlertLifecycleEvent,
  validateApiKeyRecord,
  validateClockTick,
  validateDirectoryRecord,
  validateIncidentLifecycleEvent,
  validatePipelineWatermark,
  validatePlaybookRunEvent,
  validateScoreChanged,
  validateTelemetryEvent,
  type Validation,
} from './validators';

/*
 * The message types (messages.ts) and their JSON Schemas (schemas.ts) are written by hand, twice.
 * This file ties them: at compile time every schema's property names, required keys, enum and
 * const values must be the type's, at every depth (a mismatch fails `tsc`, naming the path); at
 * run time a complete sample of each type (every key, optional ones too) has exactly the schema's
 * top-level properties and passes the schema.
 */

/** `true` when A and B are the same type (not merely assignable either way). */
type Equal<A, B> = (<G>() => G extends A ? 1 : 2) extends <G>() => G extends B ? 1 : 2 ? true : false;

/** The keys of T that an object must have (not `?:`). */
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

type RequiredOf<S> = S extends { readonly required: readonly (infer R)[] } ? R : never;

/** Each member of A missing from B, as `<path><sep><member><what>`; `never` when none is. */
type Missing<A, B, Path extends string, What extends string> = Exclude<A, B> extends infer M extends string | number ? `${Path}${M}${What}` : never;

/**
 * Where object schema S and type T disagree, one readable line each: properties on one side only,
 * keys required on one side only, then each shared property's value ({@link ValueMismatches}).
 * `never` when they agree.
 */
type ObjectMismatches<S, T, Path extends string> = S extends { readonly properties: infer P }
  ?
      | Missing<keyof P, keyof T, `${Path}.`, ': in the schema, not in the type'>
      | Missing<keyof T, keyof P, `${Path}.`, ': in the type, not in the schema'>
      | Missing<RequiredOf<S>, RequiredKeys<T>, `${Path}.`, ': required by the schema, optional in the type'>
      | Missing<RequiredKeys<T>, RequiredOf<S>, `${Path}.`, ': required by the type, optional in the schema'>
      | { [K in keyof P & keyof T & string]: ValueMismatches<P[K], NonNullable<T[K]>, `${Path}.${K}`> }[keyof P & keyof T & string]
  : never;

/**
 * Where a property's schema S and its (non-null) type T disagree: an `enum` must list exactly the
 * type's values, a `const` be the type; `oneOf`/`anyOf` branches other than `{type: 'null'}`, array
 * items and nested objects are compared in turn. Primitive types and formats are the validator's
 * business and are not compared here.
 */
type ValueMismatches<S, T, Path extends string> = S extends { readonly enum: readonly (infer E)[] }
  ? Equal<E, T> extends true
    ? never
    : Missing<E, T, `${Path}: `, ' is in the enum, not in the type'> | Missing<T, E, `${Path}: `, ' is in the type, not in the enum'> | `${Path}: the enum is not the type`
  : S extends { readonly const: infer C }
    ? Equal<C, T> extends true
      ? never
      : `${Path}: the const is not the type`
    : S extends { readonly oneOf: readonly (infer O)[] }
      ? ValueMismatches<Exclude<O, { readonly type: 'null' }>, T, Path>
      : S extends { readonly anyOf: readonly (infer O)[] }
        ? ValueMismatches<Exclude<O, { readonly type: 'null' }>, T, Path>
        : S extends { readonly type: 'array'; readonly items: infer I }
          ? T extends readonly (infer E)[]
            ? ValueMismatches<I, E, `${Path}[]`>
            : `${Path}: an array in the schema, not in the type`
          : S extends { readonly properties: unknown }
            ? ObjectMismatches<S, T, Path>
            : never;

/** Compiles only when `Mismatches` is `never`; otherwise the error names the mismatching paths. */
function assertNoMismatches<Mismatches extends never>(): Mismatches[] {
  return [];
}

// Compile-time: one line per message; `tsc` names the path of any mismatch.
assertNoMismatches<ObjectMismatches<typeof telemetryEventSchema, TelemetryEvent, 'TelemetryEvent'>>();
assertNoMismatches<ObjectMismatches<typeof scoreChangedSchema, ScoreChanged, 'ScoreChanged'>>();
assertNoMismatches<ObjectMismatches<typeof accountSignalsSchema, AccountSignals, 'AccountSignals'>>();
assertNoMismatches<ObjectMismatches<typeof alertLifecycleEventSchema, AlertLifecycleEvent, 'AlertLifecycleEvent'>>();
assertNoMismatches<ObjectMismatches<typeof incidentLifecycleEventSchema, IncidentLifecycleEvent, 'IncidentLifecycleEvent'>>();
assertNoMismatches<ObjectMismatches<typeof playbookRunEventSchema, PlaybookRunEvent, 'PlaybookRunEvent'>>();
assertNoMismatches<ObjectMismatches<typeof clockTickSchema, ClockTick, 'ClockTick'>>();
assertNoMismatches<ObjectMismatches<typeof pipelineWatermarkSchema, PipelineWatermark, 'PipelineWatermark'>>();
assertNoMismatches<ObjectMismatches<typeof apiKeyRecordSchema, ApiKeyRecord, 'ApiKeyRecord'>>();
assertNoMismatches<ObjectMismatches<typeof directoryRecordSchema, DirectoryRecord, 'DirectoryRecord'>>();

// Run time: a sample of each type with every key (optional ones too: `Required<>` makes tsc insist).
const at = '2026-03-01T10:00:00.000Z';
const telemetryEvent: Required<TelemetryEvent> = { schemaVersion: 1, id: 'e1', type: 'feature.used', accountId: 'acme', userId: 'u1', timestamp: at, receivedAt: at, source: 'native', properties: { feature: 'reports' }, trustedAttributes: true };
/** What an alert and its incident share, escalated and resolved as saved. */
const resolvedRisk = {
  schemaVersion: 1,
  accountId: 'acme',
  category: 'risk',
  severity: 'high',
  priority: 80,
  queue: 'csm-ana',
  escalatedTo: 'manager-bo',
  csmId: 'csm-ana',
  status: 'resolved',
  outcome: 'saved',
  occurredAt: at,
} as const;
const alertLifecycleEvent: Required<AlertLifecycleEvent> = { ...resolvedRisk, eventId: 'ae1', kind: 'escalated', alertId: 'a1', revision: 2, rule: 'usage_drop', evidence: ['usage fell 40%'], incidentId: 'i1', ruleSetVersion: 'default-2026.3' };
const incidentLifecycleEvent: Required<IncidentLifecycleEvent> = {
  ...resolvedRisk,
  eventId: 'ie1',
  kind: 'resolved',
  incidentId: 'i1',
  revision: 3,
  openedAt: at,
  resolvedAt: at,
  ruleIds: ['usage_drop'],
  rules: [{ rule: 'usage_drop', alertId: 'a1', severity: 'high', status: 'resolved', evidence: ['usage fell 40%'] }],
};
const playbookRunEvent: Required<PlaybookRunEvent> = {
  schemaVersion: 1,
  eventId: 'pe1',
  kind: 'run.ended',
  runId: 'r1',
  playbookId: 'rescue',
  playbookVersion: 1,
  playbooksVersion: 'cs-2026.3',
  accountId: 'acme',
  stepId: 'call',
  task: { taskId: 't1', role: 'csm', title: 'Call the sponsor', queue: 'csm-ana', dueAt: at },
  outcome: 'failed',
  error: 'the webhook answered 500',
  occurredAt: at,
};
const clockTick: Required<ClockTick> = { schemaVersion: 1, watermark: at };
const pipelineWatermark: Required<PipelineWatermark> = { schemaVersion: 1, watermark: at, closedThrough: at };
const apiKeyRecord: Required<ApiKeyRecord> = { schemaVersion: 1, id: 'abcdefABCDEF', secretSha256: 'a'.repeat(64), scopes: ['ingest', 'accounts:write'], csmId: 'csm-ana', team: 'emea', revoked: false, updatedAt: at };
const directoryRecord: Required<DirectoryRecord> = { schemaVersion: 1, kind: 'csm', id: 'csm-ana', team: 'emea', managers: ['manager-bo'], email: 'ana@acme.example', deleted: false, updatedAt: at };

/** The ScoreChanged example of the AsyncAPI document (typed `ScoreChanged` in asyncapi.ts): it carries signals. */
function scoreChangedExample(): ScoreChanged {
  const messages = Object.values((buildAsyncApiDocument()['components'] as { messages: Record<string, { examples?: { payload: unknown }[] }> }).messages);
  const payloads = messages.flatMap((message) => (message.examples ?? []).map((example) => example.payload as Record<string, unknown>));
  const example = payloads.find((payload) => 'changeId' in payload && 'signals' in payload);
  if (!example) throw new Error('the AsyncAPI document has no ScoreChanged example with signals');
  return example as unknown as ScoreChanged;
}

const pairs: readonly { name: string; schema: { readonly properties: object }; sample: object; validate: (value: unknown) => Validation<unknown> }[] = [
  { name: 'TelemetryEvent', schema: telemetryEventSchema, sample: telemetryEvent, validate: validateTelemetryEvent },
  { name: 'AlertLifecycleEvent', schema: alertLifecycleEventSchema, sample: alertLifecycleEvent, validate: validateAlertLifecycleEvent },
  { name: 'IncidentLifecycleEvent', schema: incidentLifecycleEventSchema, sample: incidentLifecycleEvent, validate: validateIncidentLifecycleEvent },
  { name: 'PlaybookRunEvent', schema: playbookRunEventSchema, sample: playbookRunEvent, validate: validatePlaybookRunEvent },
  { name: 'ClockTick', schema: clockTickSchema, sample: clockTick, validate: validateClockTick },
  { name: 'PipelineWatermark', schema: pipelineWatermarkSchema, sample: pipelineWatermark, validate: validatePipelineWatermark },
  { name: 'ApiKeyRecord', schema: apiKeyRecordSchema, sample: apiKeyRecord, validate: validateApiKeyRecord },
  { name: 'DirectoryRecord', schema: directoryRecordSchema, sample: directoryRecord, validate: validateDirectoryRecord },
];

describe('message types and their JSON Schemas', () => {
  it.each(pairs)('a complete $name has exactly the schema\'s properties and passes the schema', ({ schema, sample, validate }) => {
    expect(Object.keys(sample).sort()).toEqual(Object.keys(schema.properties).sort());
    expect(validate(sample)).toMatchObject({ ok: true });
  });

  it('the ScoreChanged example has exactly the schema\'s properties, its signals only properties of AccountSignals\' schema, and passes', () => {
    const example = scoreChangedExample();
    expect(Object.keys(example).sort()).toEqual(Object.keys(scoreChangedSchema.properties).sort());
    // The example leaves some optional signals out; the compile-time tie covers every key.
    for (const key of Object.keys(example.signals ?? {})) expect(Object.keys(accountSignalsSchema.properties)).toContain(key);
    expect(validateScoreChanged(example)).toMatchObject({ ok: true });
  });
});

describe('accountEconomicsOf', () => {
  it('keeps a valid cacUsd and grossMarginPct, and null (clear), from an event’s attributes', () => {
    expect(accountEconomicsOf({ cacUsd: 12000, grossMarginPct: 0.75, plan: 'pro' })).toEqual({ cacUsd: 12000, grossMarginPct: 0.75 });
    expect(accountEconomicsOf({ cacUsd: 0, grossMarginPct: 1 })).toEqual({ cacUsd: 0, grossMarginPct: 1 });
    expect(accountEconomicsOf({ cacUsd: null, grossMarginPct: null })).toEqual({ cacUsd: null, grossMarginPct: null });
    expect(accountEconomicsOf({ plan: 'pro' })).toEqual({});
  });

  it('leaves out a value outside its range or of another type, so it changes nothing', () => {
    expect(accountEconomicsOf({ cacUsd: -1, grossMarginPct: 80 })).toEqual({});
    expect(accountEconomicsOf({ cacUsd: '12000', grossMarginPct: true })).toEqual({});
    expect(accountEconomicsOf({ cacUsd: { usd: 1 }, grossMarginPct: -0.1 })).toEqual({});
  });
});

describe('DirectoryRecord email (issue 18 §4)', () => {
  const csm = { schemaVersion: 1, kind: 'csm', id: 'csm-ana', team: 'emea', managers: [], deleted: false, updatedAt: at };
  const problemPaths = (email: unknown) => {
    const result = validateDirectoryRecord({ ...csm, email });
    return result.ok ? [] : [...new Set(result.problems.map((problem) => problem.path))];
  };

  it('is optional: a record from before it, or with null, is valid', () => {
    expect(validateDirectoryRecord(csm)).toMatchObject({ ok: true });
    expect(problemPaths(null)).toEqual([]);
  });

  it.each(['ana@acme.example', 'ana.lopez+cs@mail.acme-corp.example', "o'neil@acme.example", 'x@a.io', `${'a'.repeat(64)}@acme.example`])('accepts the addr-spec %s', (email) => {
    expect(problemPaths(email)).toEqual([]);
  });

  it.each([
    ['no @', 'ana.acme.example'],
    ['a display name', 'Ana <ana@acme.example>'],
    ['a header injected after CR/LF', 'ana@acme.example\r\nBcc: all@acme.example'],
    ['a space', 'ana lopez@acme.example'],
    ['two @', 'ana@b@acme.example'],
    ['a one-label domain', 'ana@localhost'],
    ['a leading dot', '.ana@acme.example'],
    ['two dots in a row', 'ana..lopez@acme.example'],
    ['a domain label ending in a hyphen', 'ana@acme-.example'],
    ['an address literal', 'ana@[127.0.0.1]'],
    ['a local part over 64 characters', `${'a'.repeat(65)}@acme.example`],
    ['over 254 characters', `ana@${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.example`],
    ['empty', ''],
    ['a number', 42],
  ])('refuses %s, naming email', (_, email) => {
    expect(problemPaths(email)).toEqual(['email']);
  });
});
