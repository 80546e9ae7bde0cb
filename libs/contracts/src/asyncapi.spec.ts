import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import asyncApiSpecs from '@asyncapi/specs';
import { parse } from 'yaml';
import { asyncApiSchemasByTopic, buildAsyncApiDocument, deadLetterHeaderNames } from './asyncapi';
import { alertLifecycleEventSchema, apiKeyRecordSchema, incidentLifecycleEventSchema, clockTickSchema, directoryRecordSchema, pipelineWatermarkSchema, playbookRunEventSchema, scoreChangedSchema, telemetryEventSchema } from './schemas';
import { deadLetterTopicOf, Topics, topicSpecs } from './topics';
import {
  createAjv,
  validateAlertLifecycleEvent,
  validateIncidentLifecycleEvent,
  validateApiKeyRecord,
  validateDirectoryRecord,
  validateClockTick,
  validatePipelineWatermark,
  validatePlaybookRunEvent,
  validateScoreChanged,
  validateTelemetryEvent,
  type MessageValidator,
} from './validators';

const checkedInPath = resolve(__dirname, '../../../docs/asyncapi.yaml');

describe('docs/asyncapi.yaml', () => {
  const document = buildAsyncApiDocument();

  it('is the document generated from libs/contracts (run `npm run asyncapi` after changing the contract)', () => {
    const checkedIn: unknown = parse(readFileSync(checkedInPath, 'utf8'));
    expect(checkedIn).toEqual(document);
  });

  it('is a valid AsyncAPI 3.0.0 document (the official JSON Schema of @asyncapi/specs)', () => {
    // The spec schema embeds the draft-07 meta-schema itself, so Ajv must not add its own.
    const ajv = new Ajv({ strict: false, allErrors: true, meta: false, validateSchema: false });
    addFormats(ajv);
    const validate = ajv.compile(asyncApiSpecs.schemas['3.0.0']);
    expect(validate(document) ? [] : validate.errors).toEqual([]);
  });

  it('has one channel per topic of topicSpecs, with its partitions and retention or compaction', () => {
    const channels = Object.values(document['channels'] as Record<string, { address: string; bindings: { kafka: Record<string, unknown> } }>);
    expect(channels.map((channel) => channel.address).sort()).toEqual(topicSpecs.map((spec) => spec.name).sort());
    for (const spec of topicSpecs) {
      const channel = channels.find((candidate) => candidate.address === spec.name);
      expect(channel?.bindings.kafka).toMatchObject({
        topic: spec.name,
        partitions: spec.partitions,
        topicConfiguration: { 'cleanup.policy': [spec.compacted ? 'compact' : 'delete'], ...(spec.retentionMs ? { 'retention.ms': spec.retentionMs } : {}) },
      });
    }
  });

  describe('message schemas, as a reader of the YAML resolves them', () => {
    const byTopic = asyncApiSchemasByTopic(document);
    const ajv = createAjv();
    const libraryValidators: Record<string, MessageValidator<unknown>> = {
      [Topics.events]: validateTelemetryEvent,
      [Topics.scores]: validateScoreChanged,
      [Topics.alerts]: validateAlertLifecycleEvent,
      [Topics.incidents]: validateIncidentLifecycleEvent,
      [Topics.playbookRuns]: validatePlaybookRunEvent,
      [Topics.clock]: validateClockTick,
      [Topics.watermarks]: validatePipelineWatermark,
      [Topics.apiKeys]: validateApiKeyRecord,
      [Topics.directory]: validateDirectoryRecord,
    };
    const exampleKeys: Record<string, string> = { [Topics.clock]: 'clock', [Topics.watermarks]: 'pipeline', [Topics.apiKeys]: 'Q7ZK2M9XWPLA', [Topics.directory]: 'csm:csm-ana', [Topics.configActivations]: 'scorecard' };

    it.each(Object.values(Topics))('%s: one message, keyed as documented, whose example passes the schema and the library validator', (topic) => {
      const [entry, ...others] = byTopic.get(topic) ?? [];
      expect(others).toEqual([]);
      if (!entry) throw new Error(`no message for ${topic}`);
      const validatePayload = ajv.compile(entry.payload);
      const message = (document['components'] as { messages: Record<string, { examples: { payload: unknown; headers?: unknown }[] }> }).messages[entry.message];
      for (const example of message?.examples ?? []) {
        expect(validatePayload(example.payload) ? [] : validatePayload.errors).toEqual([]);
        const library = libraryValidators[topic];
        if (library) expect(library(example.payload)).toMatchObject({ ok: true });
        if (entry.headers) expect(ajv.validate(entry.headers, example.headers) ? [] : ajv.errors).toEqual([]);
      }
      expect(entry.key).toBeDefined();
      expect(ajv.validate(entry.key as object, exampleKeys[topic] ?? 'acme')).toBe(true);
      expect(ajv.validate(entry.key as object, '')).toBe(false);
    });

    it('embeds the very schemas the services validate with', () => {
      const embedded = (topic: string) => byTopic.get(topic)?.[0]?.payload;
      expect(embedded(Topics.events)).toEqual(telemetryEventSchema);
      expect(embedded(Topics.scores)).toEqual(scoreChangedSchema);
      expect(embedded(Topics.alerts)).toEqual(alertLifecycleEventSchema);
      expect(embedded(Topics.incidents)).toEqual(incidentLifecycleEventSchema);
      expect(embedded(Topics.playbookRuns)).toEqual(playbookRunEventSchema);
      expect(embedded(Topics.clock)).toEqual(clockTickSchema);
      expect(embedded(Topics.watermarks)).toEqual(pipelineWatermarkSchema);
      expect(embedded(Topics.apiKeys)).toEqual(apiKeyRecordSchema);
      expect(embedded(Topics.directory)).toEqual(directoryRecordSchema);
    });

    it('describes the dead-letter topics with their headers', () => {
      for (const source of [Topics.events, Topics.scores, Topics.alerts, Topics.clock]) {
        const [entry] = byTopic.get(deadLetterTopicOf(source)) ?? [];
        expect(entry?.headers).toMatchObject({ required: [...deadLetterHeaderNames] });
      }
      const headers = byTopic.get(deadLetterTopicOf(Topics.scores))?.[0]?.headers as object;
      const deadLetter = {
        dlq_reason: 'after.band: must be equal to one of the allowed values',
        dlq_step: 'decode',
        dlq_topic: Topics.scores,
        dlq_partition: '3',
        dlq_offset: '1042',
        dlq_timestamp: '2026-03-01T10:00:00.000Z',
        dlq_consumer_group: 'bellwether-alerting',
      };
      expect(ajv.validate(headers, deadLetter)).toBe(true);
      expect(ajv.validate(headers, { ...deadLetter, dlq_offset: undefined })).toBe(false);
    });
  });
});
