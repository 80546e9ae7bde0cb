import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import {
  asyncApiSchemasByTopic,
  createAjv,
  deadLetterTopicOf,
  EventTypes,
  toSchemaProblems,
  Topics,
  validateAlertLifecycleEvent,
  validateApiKeyRecord,
  validatePlaybookRunEvent,
  validateScoreChanged,
  validateTelemetryEvent,
  type MessageValidator,
} from '@bellwether/contracts';
import { KafkaConnection, MessageProducer, TopicTail, type TailedRecord } from '@bellwether/kafka';
import { testEnvironment, waitFor } from '@bellwether/testing';
import { Stack } from './stack';

/**
 * The contract check against real messages: drive the pipeline through the public API, then
 * validate every message the run produced on the contract topics twice, with the validators of
 * libs/contracts and with the schemas of the checked-in docs/asyncapi.yaml (what integrators
 * read). Each run has its own Kafka namespace, so "every message" means exactly this run's.
 * One poison record, written straight to the events topic, checks the dead-letter contract.
 *
 * Event times stay within the last 25 days: scoring dead-letters events further behind its
 * watermark than ALLOWED_LATENESS_DAYS (30), and this run expects no dead letter but the poison.
 */

const daysAgo = (days: number): string => new Date(Date.now() - days * 86_400_000).toISOString();

type NativeEvent = { id: string; type: string; accountId: string; userId?: string; timestamp: string; properties?: Record<string, unknown> };

const event = (accountId: string, type: string, timestamp: string, properties: Record<string, unknown> = {}, userId?: string): NativeEvent => ({
  id: `evt_${randomUUID()}`,
  type,
  accountId,
  timestamp,
  properties,
  ...(userId ? { userId } : {}),
});

/** Plausible properties for every native event type of the contract. */
const sampleProperties: Record<string, Record<string, unknown>> = {
  'feature.used': { feature: 'reports' },
  'feature.gated': { feature: 'sso' },
  'page.viewed': { path: '/pricing' },
  'usage.reported': { metric: 'api_calls', value: 8200, limit: 10000 },
  'onboarding.milestone_completed': { milestone: 'first_report' },
  'support.ticket_opened': { ticketId: 't-1', topic: 'sync', severity: 'high', sentiment: 'negative' },
  'support.ticket_resolved': { ticketId: 't-1', csat: 4 },
  'nps.responded': { score: 9, comment: 'solid' },
  'subscription.changed': { plan: 'pro', seats: 20, mrr: 4000, startDate: daysAgo(120), renewalDate: daysAgo(-245) },
  'csm.touchpoint': { kind: 'qbr' },
  'account.updated': { traits: { csmId: 'csm-bo', industry: 'saas', employees: 80 } },
  'account.churned': { reason: 'budget' },
  'account.expanded': { mrrDelta: 500 },
  'account.contracted': { mrrDelta: -200 },
};

/**
 * Every native type once, then an unknown type (accepted as activity). The churn goes to an
 * account of its own, so the catalogue account keeps being scored.
 */
function catalogueEvents(accountId: string, churnedAccountId: string): NativeEvent[] {
  const types = EventTypes.filter((type) => type !== 'account.churned');
  return [
    ...types.map((type, index) => event(accountId, type, daysAgo((types.length - index) / 2 + 1), sampleProperties[type] ?? {}, 'u_cat')),
    event(accountId, 'report.exported', daysAgo(1), { format: 'csv' }, 'u_cat'),
    event(churnedAccountId, 'subscription.changed', daysAgo(20), sampleProperties['subscription.changed']),
    event(churnedAccountId, 'account.churned', daysAgo(1), sampleProperties['account.churned']),
  ];
}

/** An account with an owner CSM deep in red: unhappy, unpaid, barely used (opens alerts, starts playbooks). */
function troubledEvents(accountId: string): NativeEvent[] {
  return [
    event(accountId, 'subscription.changed', daysAgo(25), { plan: 'pro', seats: 10, mrr: 5000, startDate: daysAgo(200) }),
    event(accountId, 'account.updated', daysAgo(25), { traits: { csmId: 'csm-ana' } }),
    event(accountId, 'feature.used', daysAgo(3), { feature: 'reports' }, 'u1'),
    ...Array.from({ length: 5 }, (_, n) => event(accountId, 'support.ticket_opened', daysAgo(2), { ticketId: `t${n}`, topic: 'sync' })),
    event(accountId, 'billing.payment_failed', daysAgo(2)),
    event(accountId, 'nps.responded', daysAgo(1), { score: 2, comment: 'nothing works' }, 'u1'),
  ];
}

/** A busy, happy account using most key features (healthy scores; may open an expansion alert). */
function thrivingEvents(accountId: string): NativeEvent[] {
  const features = ['reports', 'dashboards', 'integrations', 'alerts', 'exports', 'api'];
  return [
    event(accountId, 'subscription.changed', daysAgo(25), { plan: 'business', seats: 50, mrr: 12000, startDate: daysAgo(300) }),
    event(accountId, 'account.updated', daysAgo(25), { traits: { csmId: 'csm-bo' } }),
    ...Array.from({ length: 22 }, (_, day) => event(accountId, 'session.started', daysAgo(22 - day), {}, `u${day % 7}`)),
    ...features.flatMap((feature, n) => [event(accountId, 'feature.used', daysAgo(10 - n), { feature }, 'u1'), event(accountId, 'feature.used', daysAgo(3), { feature }, 'u2')]),
    event(accountId, 'nps.responded', daysAgo(2), { score: 10 }, 'u1'),
  ];
}

interface ContractProblem {
  readonly topic: string;
  readonly offset: string;
  readonly against: string;
  readonly problems: unknown;
}

describe('the Kafka contract (docs/asyncapi.yaml and libs/contracts) against the messages the running services produce', () => {
  const stack = new Stack(4400);
  let ingestKey = '';
  let connection: KafkaConnection;
  let extraTail: TopicTail;
  const asyncApi: unknown = parse(readFileSync(resolve(__dirname, '../docs/asyncapi.yaml'), 'utf8'));
  const documented = asyncApiSchemasByTopic(asyncApi);
  const run = randomUUID().slice(0, 8);
  const accounts = { catalogue: `ct-${run}-catalogue`, troubled: `ct-${run}-troubled`, thriving: `ct-${run}-thriving`, segment: `ct-${run}-segment` };
  const poisonAccount = `ct-${run}-poison`;
  const deadLetterTopics = [Topics.events, Topics.scores, Topics.alerts].map(deadLetterTopicOf);
  /** Topics the Stack's own observer does not read. */
  const extraTopics = [Topics.accountState, Topics.apiKeys, ...deadLetterTopics];

  beforeAll(async () => {
    await stack.start();
    connection = new KafkaConnection({ brokers: testEnvironment.kafkaBrokers.split(','), clientId: 'bellwether-e2e-contracts', namespace: stack.namespace });
    extraTail = new TopicTail(connection, extraTopics, { fromBeginning: true });
    await extraTail.start();
    // Its events set owners (csmId): a trusted source, as a CRM sync would be.
    ingestKey = await stack.createKey('ingest,accounts:write');
  });

  afterAll(async () => {
    await extraTail?.stop();
    await stack.stop();
  });

  const recordsOf = (topic: string): TailedRecord[] => (extraTopics.includes(topic) ? extraTail.records.filter((record) => record.topic === topic) : stack.records(topic));

  /** Messages on a topic of this run's namespace, from the broker's own offsets. */
  async function messageCount(topic: string): Promise<number> {
    const admin = connection.client.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(connection.topic(topic));
      return offsets.reduce((sum, { high, low }) => sum + Number(BigInt(high) - BigInt(low)), 0);
    } finally {
      await admin.disconnect();
    }
  }

  /** True when no service has an unpublished outbox row. */
  async function outboxesDrained(): Promise<boolean> {
    for (const schema of ['ingestion', 'scoring', 'alerting', 'playbook']) {
      const exists = await stack.db.query<{ table: string | null }>('SELECT to_regclass($1) AS table', [`${schema}.outbox`]);
      if (!exists.rows[0]?.table) continue;
      const pending = await stack.db.query<{ count: string }>(`SELECT count(*) AS count FROM "${schema}".outbox WHERE published_at IS NULL`);
      if (Number(pending.rows[0]?.count) > 0) return false;
    }
    return true;
  }

  it('every message of a varied run matches its libs/contracts validator and its AsyncAPI message (payload, key, headers)', async () => {
    const auth = { authorization: `Bearer ${ingestKey}` };
    const batches = [catalogueEvents(accounts.catalogue, `ct-${run}-churned`), troubledEvents(accounts.troubled), thrivingEvents(accounts.thriving)];
    for (const events of batches) {
      const response = await stack.post('/v1/events', { events }, auth);
      expect(response.status).toBe(202);
    }
    // A poison record (not even JSON) straight onto the events topic: scoring must dead-letter it.
    const producer = new MessageProducer(connection);
    await producer.connect();
    const poison = '{"schemaVersion":1,"id":"poison"';
    await producer.sendRaw(Topics.events, [{ key: Buffer.from(poisonAccount), value: Buffer.from(poison), headers: { origin: 'contract-test' } }]);
    await producer.disconnect();

    // The Segment-compatible door too (source: segment).
    const basic = { authorization: `Basic ${Buffer.from(`${ingestKey}:`).toString('base64')}` };
    const group = await stack.post('/v1/group', { userId: `seg-${run}`, groupId: accounts.segment, traits: { plan: 'pro', mrr: 900, csmId: 'csm-seg' } }, basic);
    expect(group.status).toBe(200);
    const track = await stack.post('/v1/track', { userId: `seg-${run}`, event: 'Feature Used', properties: { feature: 'reports' }, context: { groupId: accounts.segment } }, basic);
    expect(track.status).toBe(200);

    // What must come out: a score for every account, the troubled account's alert and playbook task.
    for (const accountId of Object.values(accounts)) {
      await stack.waitForRecord(Topics.scores, `a score change for ${accountId}`, (value) => value['accountId'] === accountId);
    }
    await stack.waitForRecord(Topics.alerts, 'an opened alert', (value) => value['accountId'] === accounts.troubled && value['kind'] === 'opened');
    await stack.waitForRecord(Topics.playbookRuns, 'a playbook task', (value) => value['accountId'] === accounts.troubled && value['kind'] === 'task.created');

    // Every consumer group of the events topic dead-letters the poison record on its own.
    const eventConsumerGroups = ['bellwether-playbook-events', 'bellwether-scoring'];
    await waitFor(
      () => eventConsumerGroups.every((group) => recordsOf(deadLetterTopicOf(Topics.events)).some((record) => record.headers['dlq_consumer_group'] === group)),
      { description: 'the poison record dead-lettered by each consumer group of the events topic', timeoutMs: 60_000 },
    );

    // Then let the pipeline settle: outboxes drained and the observers have read every message
    // the broker holds, so the checks below see everything this run produced.
    const topics = [Topics.events, Topics.scores, Topics.accountState, Topics.alerts, Topics.playbookRuns, Topics.apiKeys, ...deadLetterTopics];
    await waitFor(
      async () => {
        if (!(await outboxesDrained())) return false;
        for (const topic of topics) if (recordsOf(topic).length < (await messageCount(topic))) return false;
        return true;
      },
      { description: 'outboxes drained and every message read', timeoutMs: 60_000 },
    );

    const libraryValidators: Record<string, MessageValidator<unknown>> = {
      [Topics.events]: validateTelemetryEvent,
      [Topics.scores]: validateScoreChanged,
      [Topics.alerts]: validateAlertLifecycleEvent,
      [Topics.playbookRuns]: validatePlaybookRunEvent,
      [Topics.apiKeys]: validateApiKeyRecord,
    };
    const ajv = createAjv();
    const compiled = new Map<object, ValidateFunction>();
    const compile = (schema: object): ValidateFunction => {
      const known = compiled.get(schema);
      if (known) return known;
      const validate = ajv.compile(schema);
      compiled.set(schema, validate);
      return validate;
    };

    const problems: ContractProblem[] = [];
    const seen: Record<string, number> = {};
    for (const topic of [Topics.events, Topics.scores, Topics.accountState, Topics.alerts, Topics.playbookRuns, Topics.apiKeys]) {
      const [message, ...others] = documented.get(topic) ?? [];
      if (!message || others.length > 0) throw new Error(`docs/asyncapi.yaml should give ${topic} exactly one message`);
      const payload = compile(message.payload);
      const key = message.key ? compile(message.key) : null;
      const headers = message.headers ? compile(message.headers) : null;
      for (const record of recordsOf(topic).filter((candidate) => candidate.key !== poisonAccount)) {
        seen[topic] = (seen[topic] ?? 0) + 1;
        const library = libraryValidators[topic];
        const verdict = library?.(record.value);
        if (verdict && !verdict.ok) problems.push({ topic, offset: record.offset, against: 'libs/contracts', problems: verdict.problems });
        if (!payload(record.value)) problems.push({ topic, offset: record.offset, against: 'asyncapi payload', problems: toSchemaProblems(payload.errors) });
        if (key && !key(record.key)) problems.push({ topic, offset: record.offset, against: 'asyncapi key', problems: toSchemaProblems(key.errors) });
        if (headers && !headers(record.headers)) problems.push({ topic, offset: record.offset, against: 'asyncapi headers', problems: toSchemaProblems(headers.errors) });
        // The ordering guarantee rests on this: account topics are keyed by the message's own account.
        const accountId = (record.value as { accountId?: unknown }).accountId;
        if (topic !== Topics.apiKeys && record.key !== accountId) problems.push({ topic, offset: record.offset, against: 'key = accountId', problems: { key: record.key, accountId } });
      }
    }
    expect(problems).toEqual([]);

    // Dead letters: only the poison record, once per consumer group of the events topic, with its
    // original key, value and headers plus the dlq_* headers the AsyncAPI document promises.
    const deadLetters = deadLetterTopics
      .flatMap((topic) => recordsOf(topic).map((record) => ({ ...record, topic })))
      .sort((a, b) => String(a.headers['dlq_consumer_group']).localeCompare(String(b.headers['dlq_consumer_group'])));
    expect(deadLetters.map(({ topic, key, headers }) => ({ topic, key, step: headers['dlq_step'], group: headers['dlq_consumer_group'] }))).toEqual(
      eventConsumerGroups.map((group) => ({ topic: deadLetterTopicOf(Topics.events), key: poisonAccount, step: 'decode', group })),
    );
    const [deadLetterMessage] = documented.get(deadLetterTopicOf(Topics.events)) ?? [];
    if (!deadLetterMessage?.headers) throw new Error('no DeadLetter headers in docs/asyncapi.yaml');
    const validateDeadLetterHeaders = compile(deadLetterMessage.headers);
    for (const deadLetter of deadLetters) {
      expect(validateDeadLetterHeaders(deadLetter.headers) ? [] : toSchemaProblems(validateDeadLetterHeaders.errors)).toEqual([]);
      expect(deadLetter.value).toBe(poison);
      expect(deadLetter.headers).toMatchObject({ origin: 'contract-test', dlq_topic: Topics.events });
    }

    // The run covered the contract broadly (guards against a vacuous pass).
    const events = stack.records(Topics.events)
      .filter((record) => record.key !== poisonAccount)
      .map((record) => record.value as { type: string; source: string });
    const accepted = batches.reduce((sum, batch) => sum + batch.length, 0);
    expect(events).toHaveLength(accepted + 2);
    expect([...EventTypes, 'report.exported'].filter((type) => !events.some((value) => value.type === type))).toEqual([]);
    expect(new Set(events.map((value) => value.source))).toEqual(new Set(['native', 'segment']));
    expect(seen[Topics.scores]).toBeGreaterThanOrEqual(Object.keys(accounts).length);
    expect(seen[Topics.accountState]).toBe(seen[Topics.scores]);
    expect(stack.records(Topics.alerts).map((record) => (record.value as { kind: string }).kind)).toContain('opened');
    expect(stack.records(Topics.playbookRuns).map((record) => (record.value as { kind: string }).kind)).toEqual(expect.arrayContaining(['run.started', 'task.created']));
  });
});
