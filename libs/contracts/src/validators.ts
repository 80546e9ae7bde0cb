import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { accountEconomicsAttributes } from './messages';
import type { AccountEconomicsAttribute, AlertLifecycleEvent, ApiKeyRecord, ConfigActivationRecord, IncidentLifecycleEvent, ClockTick, DirectoryRecord, PipelineWatermark, PlaybookRunEvent, ScoreChanged, TelemetryEvent, JsonObject } from './messages';
import {
  accountEconomicsSchemas,
  alertLifecycleEventSchema,
  apiKeyRecordSchema,
  clockTickSchema,
  configActivationRecordSchema,
  pipelineWatermarkSchema,
  directoryRecordSchema,
  incidentLifecycleEventSchema,
  playbookRunEventSchema,
  scoreChangedSchema,
  telemetryEventSchema,
} from './schemas';

/** One problem with an input, in the shape of the HTTP error contract. */
export interface SchemaProblem {
  readonly path: string;
  readonly message: string;
}

export type Validation<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: readonly SchemaProblem[] };

/** A compiled validator for one message type. */
export type MessageValidator<T> = (value: unknown) => Validation<T>;

export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
  addFormats(ajv, ['date-time']);
  return ajv;
}

/** Turns Ajv's errors into `{path, message}` pairs with dotted paths (`events.3.timestamp`). */
export function toSchemaProblems(errors: readonly ErrorObject[] | null | undefined): SchemaProblem[] {
  return (errors ?? []).map((error) => {
    const segments = error.instancePath.split('/').filter(Boolean);
    if (error.keyword === 'required') segments.push(String(error.params['missingProperty']));
    if (error.keyword === 'additionalProperties') segments.push(String(error.params['additionalProperty']));
    const message =
      error.keyword === 'additionalProperties'
        ? 'is not an allowed field'
        : error.keyword === 'required'
          ? 'is required'
          : (error.message ?? 'is invalid');
    return { path: segments.join('.'), message };
  });
}

function compile<T>(ajv: Ajv, schema: object): MessageValidator<T> {
  const validate = ajv.compile(schema) as ValidateFunction<T>;
  return (value: unknown) => (validate(value) ? { ok: true, value } : { ok: false, problems: toSchemaProblems(validate.errors) });
}

const sharedAjv = createAjv();

export const validateTelemetryEvent = compile<TelemetryEvent>(sharedAjv, telemetryEventSchema);
export const validateScoreChanged = compile<ScoreChanged>(sharedAjv, scoreChangedSchema);
export const validateAlertLifecycleEvent = compile<AlertLifecycleEvent>(sharedAjv, alertLifecycleEventSchema);
export const validateIncidentLifecycleEvent = compile<IncidentLifecycleEvent>(sharedAjv, incidentLifecycleEventSchema);
export const validatePlaybookRunEvent = compile<PlaybookRunEvent>(sharedAjv, playbookRunEventSchema);
export const validateClockTick = compile<ClockTick>(sharedAjv, clockTickSchema);
export const validatePipelineWatermark = compile<PipelineWatermark>(sharedAjv, pipelineWatermarkSchema);
export const validateApiKeyRecord = compile<ApiKeyRecord>(sharedAjv, apiKeyRecordSchema);
export const validateDirectoryRecord = compile<DirectoryRecord>(sharedAjv, directoryRecordSchema);
export const validateConfigActivationRecord = compile<ConfigActivationRecord>(sharedAjv, configActivationRecordSchema);

const economicsValidators = Object.fromEntries(accountEconomicsAttributes.map((name) => [name, sharedAjv.compile(accountEconomicsSchemas[name])])) as Record<AccountEconomicsAttribute, ValidateFunction>;

/**
 * The account economics a trusted event's attributes set (`account.updated` traits): each of
 * `accountEconomicsAttributes` present with a valid value (`accountEconomicsSchemas`), `null`
 * meaning "clear". A present but invalid value (a negative CAC, a margin of `80`) is left out, so
 * it changes nothing; absent attributes are absent. Pure. Trust is the caller's to check.
 */
export function accountEconomicsOf(attributes: JsonObject): Partial<Record<AccountEconomicsAttribute, number | null>> {
  const values: Partial<Record<AccountEconomicsAttribute, number | null>> = {};
  for (const name of accountEconomicsAttributes) {
    if (!Object.prototype.hasOwnProperty.call(attributes, name)) continue;
    const value = attributes[name];
    if (economicsValidators[name](value)) values[name] = value as number | null;
  }
  return values;
}
