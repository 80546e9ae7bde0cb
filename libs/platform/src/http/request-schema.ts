import { Body, Param, Query, type PipeTransform } from '@nestjs/common';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { eventLimits, parseEventTime, printableIdPattern, toSchemaProblems, toStorableJson, type JsonValue, type Validation } from '@bellwether/contracts';
import { RequestRejected, type RequestProblem } from './http-error.filter';

/** The three places a request carries input: path parameters, query parameters, the JSON body. */
export type RequestPart = 'params' | 'query' | 'body';

/**
 * The instants the read and work APIs accept (`from`, `to`, `until`): from 2000-01-01 (the
 * earliest event time Bellwether keeps, eventLimits) to 2100-01-01, far inside what JavaScript
 * and PostgreSQL `timestamptz` can represent, so a valid date can never fail in the database.
 */
export const requestTimeLimits = {
  earliestMs: eventLimits.earliestEventTimeMs,
  latestMs: Date.UTC(2100, 0, 1),
} as const;

/** RFC 3339 `date-time` (section 5.6): seconds required, an offset required (`Z` or `±HH:MM`); `T`, `t` or a space. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$/;

const INSTANT_MESSAGE = 'must be an RFC 3339 date-time with an offset (2026-03-01T10:00:00Z), from 2000-01-01 to 2100-01-01';

/**
 * Epoch milliseconds of an API instant, or null when the text is not a strict RFC 3339 date-time
 * (real calendar date, offset given) within requestTimeLimits. Parsing is parseEventTime's, so
 * the API reads dates exactly as ingestion reads event times. Never throws.
 */
export function parseRequestTime(text: string): number | null {
  if (!RFC3339.test(text)) return null;
  const ms = parseEventTime(text);
  return ms !== null && ms >= requestTimeLimits.earliestMs && ms < requestTimeLimits.latestMs ? ms : null;
}

/**
 * Schema pieces the controllers share. `instant` is a string in the `instant` format
 * (parseRequestTime); `pathId` an id in a URL path: 1-200 printable ASCII characters without
 * spaces (the native id rule of eventLimits); `note` free text of at most 2,000 characters;
 * `nothing` an object with no properties (a route that reads no query, or an empty body).
 */
export const requestSchemas = {
  instant: { type: 'string', format: 'instant' },
  pathId: { type: 'string', minLength: 1, maxLength: eventLimits.maxIdLength, pattern: printableIdPattern },
  note: { type: 'string', maxLength: 2000 },
  nothing: { type: 'object', additionalProperties: false, properties: {} },
} as const;

/** Path parameters of a route whose only parameter is one `pathId`, e.g. `pathIdParams('id')` for `/alerts/:id`. */
export function pathIdParams(name: string): object {
  return { type: 'object', required: [name], additionalProperties: false, properties: { [name]: requestSchemas.pathId } };
}

function requestAjv(coerceTypes: boolean): Ajv {
  // The options of contracts' createAjv; path and query values are text, so numbers are coerced there.
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, coerceTypes });
  ajv.addFormat('instant', { type: 'string', validate: (text: string) => parseRequestTime(text) !== null });
  return ajv;
}

const textAjv = requestAjv(true);
const jsonAjv = requestAjv(false);

const NOT_STORABLE = 'contains U+0000 or an unpaired UTF-16 surrogate, which is not accepted';
const allowedWhat: Record<RequestPart, string> = { params: 'path parameter', query: 'query parameter', body: 'field' };

/**
 * A validator for one part of a request against a JSON Schema, compiled once. In order, with every
 * problem named by its dotted path:
 * - query: a parameter given more than once (Fastify makes it an array) is refused;
 * - any part: a string or key with U+0000 or an unpaired surrogate is refused (isStorableText's
 *   rule, so nothing reaching PostgreSQL can fail there), as is a value nested deeper than
 *   MAX_STORABLE_JSON_DEPTH;
 * - the schema (Ajv, all errors; path and query values coerced from text to the schema's type).
 * An absent body is validated as `{}`. Returns the (coerced) value or the problems.
 */
export function createRequestValidator<T>(part: RequestPart, schema: object): (value: unknown) => Validation<T> {
  const validate = (part === 'body' ? jsonAjv : textAjv).compile(schema) as ValidateFunction<T>;
  return (input: unknown) => {
    let value = part === 'body' && input === undefined ? {} : input;
    const problems: RequestProblem[] = [];
    if (part === 'query' && typeof value === 'object' && value !== null) {
      const repeated = Object.entries(value).filter(([, item]) => Array.isArray(item));
      problems.push(...repeated.map(([name]) => ({ path: name, message: 'must be given once' })));
      value = Object.fromEntries(Object.entries(value).filter(([, item]) => !Array.isArray(item)));
    }
    const storable = toStorableJson(value as JsonValue);
    if (!storable.ok) return { ok: false, problems: [...problems, storable.problem] };
    if (storable.changes.length > 0) return { ok: false, problems: [...problems, ...storable.changes.map((change) => ({ path: change.path, message: NOT_STORABLE }))] };
    if (validate(value)) return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
    // An `if` failure only says "must match then", after the problems inside `then` that it sums up.
    const errors = (validate.errors ?? []).filter((error) => error.keyword !== 'if');
    problems.push(...toSchemaProblems(errors).map((problem, index) => ({ path: problem.path, message: describe(errors[index] as ErrorObject, part) ?? problem.message })));
    return { ok: false, problems };
  };
}

/** Clearer words than Ajv's for the errors clients meet most. */
function describe(error: ErrorObject, part: RequestPart): string | undefined {
  switch (error.keyword) {
    case 'additionalProperties':
      return `is not an allowed ${allowedWhat[part]}`;
    case 'enum':
      return `must be one of ${(error.params['allowedValues'] as unknown[]).join(', ')}`;
    case 'format':
      return error.params['format'] === 'instant' ? INSTANT_MESSAGE : undefined;
    default:
      return undefined;
  }
}

/** A Nest pipe running createRequestValidator: the validated value, or a 400 `{errors:[{path,message}]}`. */
export class RequestSchemaPipe<T = unknown> implements PipeTransform<unknown, T> {
  private readonly validate: (value: unknown) => Validation<T>;

  constructor(part: RequestPart, schema: object) {
    this.validate = createRequestValidator<T>(part, schema);
  }

  transform(value: unknown): T {
    const result = this.validate(value);
    if (!result.ok) throw new RequestRejected(400, result.problems);
    return result.value;
  }
}

/** All path parameters, validated against `schema` (an object schema keyed by parameter name). */
export const ValidParams = (schema: object): ParameterDecorator => Param(new RequestSchemaPipe('params', schema));
/** All query parameters, validated against `schema`; repeated parameters are refused. */
export const ValidQuery = (schema: object): ParameterDecorator => Query(new RequestSchemaPipe('query', schema));
/** The JSON body (absent counts as `{}`), validated against `schema`. */
export const ValidBody = (schema: object): ParameterDecorator => Body(new RequestSchemaPipe('body', schema));
