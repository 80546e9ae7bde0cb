import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import fc from 'fast-check';
import { Client } from 'pg';
import { Topics } from '@bellwether/contracts';
import { DirectoryRing } from '@bellwether/auth';
import { KafkaConnection, TopicTail } from '@bellwether/kafka';
import { createLogger, loadEnv } from '@bellwether/platform';
import { resetTestDatabase, testEnvironment, waitFor } from '@bellwether/testing';
import { ApiKeysService } from './api-keys/api-keys.service';
import { startIngestion } from './ingestion.app';
import { IngestionEnv } from './ingestion.env';

/** Topics and groups of this run only (see KAFKA_NAMESPACE). */
const namespace = `it-${randomUUID().slice(0, 8)}.`;

/** The ingestion service in process, on the real Kafka, Postgres and Redis. */
async function boot(port: number, overrides: Record<string, string> = {}): Promise<NestFastifyApplication> {
  const env = loadEnv(IngestionEnv, {
    KAFKA_BROKERS: testEnvironment.kafkaBrokers,
    DATABASE_URL: testEnvironment.databaseUrl,
    REDIS_URL: testEnvironment.redisUrl,
    CLOCK_MODE: 'event',
    PORT: String(port),
    API_KEY_CACHE_SECONDS: '0',
    RATE_LIMIT_PER_SECOND: '1000',
    RATE_LIMIT_BURST: '5000',
    // The admin routes' production limit (5/s, burst 30) against one test key made the directory
    // tests' answers depend on how fast the machine ran them (429 instead of 400 on a fast run).
    // The admin limit has its own test (e2e/rate-limits.e2e-spec.ts).
    ADMIN_RATE_LIMIT_PER_SECOND: '1000',
    ADMIN_RATE_LIMIT_BURST: '10000',
    KAFKA_NAMESPACE: namespace,
    ...overrides,
  });
  return startIngestion(env, createLogger('ingestion-test', 'silent'));
}

const now = () => new Date().toISOString();

describe('ingestion over HTTP, on the real stack', () => {
  const port = 4310 + Number(process.env['E2E_PORT_OFFSET'] ?? 0);
  const url = `http://127.0.0.1:${port}`;
  const badAccount = `bad-input-${randomUUID()}`;
  const kafka = new KafkaConnection({ brokers: testEnvironment.kafkaBrokers.split(','), clientId: 'ingestion-int', namespace });
  let app: NestFastifyApplication;
  let tail: TopicTail;
  let ingestKey = '';
  let adminKey = '';

  const post = (path: string, body: string | Buffer | object, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ingestKey}`, ...headers },
      body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });
  const event = (overrides: Record<string, unknown> = {}) => ({ id: `evt_${randomUUID()}`, type: 'session.started', accountId: badAccount, timestamp: now(), ...overrides });
  const eventsOn = (accountId: string) => tail.records.filter((record) => record.topic === Topics.events && record.key === accountId);
  /** A request with a bearer key and an optional JSON body (the admin routes). */
  const sendAs = (key: string, method: string, path: string, body?: object) =>
    fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });

  beforeAll(async () => {
    await resetTestDatabase();
    app = await boot(port);
    const keys = app.get(ApiKeysService);
    ingestKey = (await keys.create({ name: 'int-ingest', scopes: ['ingest'] })).key;
    adminKey = (await keys.create({ name: 'int-admin', scopes: ['admin'] })).key;
    tail = new TopicTail(kafka, [Topics.events, Topics.directory]);
    await tail.start();
  });

  afterAll(async () => {
    await tail?.stop();
    await app?.close();
    await kafka.deleteNamespaceTopics();
  });

  describe('bad input: a clear 4xx naming the problem, and nothing published', () => {
    const deep = (levels: number): Record<string, unknown> => (levels === 0 ? { leaf: 1 } : { next: deep(levels - 1) });
    const cases: [string, () => Promise<Response>, number, RegExp][] = [
      ['malformed JSON', () => post('/v1/events', '{"events": [{"id": '), 400, /not valid JSON/],
      ['a wrong content type', () => post('/v1/events', 'events=1', { 'content-type': 'application/x-www-form-urlencoded' }), 415, /content type/],
      ['a 0-byte body', () => post('/v1/events', ''), 400, /empty/],
      ['non-UTF-8 bytes', () => post('/v1/events', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])), 400, /UTF-8/],
      ['a __proto__ key', () => post('/v1/events', `{"events":[${JSON.stringify(event())}],"__proto__":{"polluted":true}}`), 400, /__proto__/],
      ['a constructor.prototype key', () => post('/v1/events', `{"events":[${JSON.stringify(event())}],"constructor":{"prototype":{"polluted":true}}}`), 400, /constructor/],
      ['a missing field', () => post('/v1/events', { events: [event({ accountId: undefined })] }), 400, /is required/],
      ['an empty field', () => post('/v1/events', { events: [event({ id: '' })] }), 400, /must NOT have fewer than 1 characters/],
      ['an oversized field', () => post('/v1/events', { events: [event({ id: 'x'.repeat(201) })] }), 400, /must NOT have more than 200 characters/],
      ['a wrong type', () => post('/v1/events', { events: [event({ properties: 'reports' })] }), 400, /must be object/],
      ['an unknown top-level field', () => post('/v1/events', { events: [event()], debug: true }), 400, /not an allowed field/],
      ['an invalid timestamp', () => post('/v1/events', { events: [event({ timestamp: '2026-13-45T99:00:00Z' })] }), 400, /date-time/],
      ['a timestamp far in the future', () => post('/v1/events', { events: [event({ timestamp: new Date(Date.now() + 86_400_000).toISOString() })] }), 400, /in the future/],
      ['a body over the limit', () => post('/v1/events', { events: [event({ properties: { blob: 'x'.repeat(520_000) } })] }), 413, /larger than the limit/],
      ['an event over the limit', () => post('/v1/events', { events: [event({ properties: { blob: 'x'.repeat(40_000) } })] }), 413, /bytes; the limit is 32768/],
      ['more events than a batch may hold', () => post('/v1/events', { events: Array.from({ length: 5001 }, () => event({ id: randomUUID().slice(0, 8), accountId: 'a', timestamp: '2026-03-01T10:00:00Z' })) }), 400, /at most 5000 events/],
      ['duplicate ids inside one batch', () => post('/v1/events', { events: [event({ id: 'same' }), event({ id: 'same' })] }), 400, /duplicates the id of event 0/],
      ['deeply nested properties', () => post('/v1/events', { events: [event({ properties: deep(12) })] }), 400, /nested deeper than 8/],
      ['no key', () => post('/v1/events', { events: [event()] }, { authorization: '' }), 401, /API key is required/],
      ['a key of the wrong scope', () => post('/v1/events', { events: [event()] }, { authorization: `Bearer ${adminKey.replace(/.$/, '')}` }), 401, /not valid/],
    ];

    it.each(cases)('%s', async (_, send, status, message) => {
      const response = await send();
      expect(response.status).toBe(status);
      const body = (await response.json()) as { errors: { message: string }[] };
      expect(body.errors.map((error) => error.message).join(' | ')).toMatch(message);
    });

    it('a revoked key gets 401 and a key without the ingest scope gets 403', async () => {
      const keys = app.get(ApiKeysService);
      const integrator = await keys.create({ name: 'int-integrator', scopes: ['integrator'] });
      const forbidden = await post('/v1/events', { events: [event()] }, { authorization: `Bearer ${integrator.key}` });
      expect(forbidden.status).toBe(403);
      const doomed = await keys.create({ name: 'int-doomed', scopes: ['ingest'] });
      await keys.revoke(doomed.id);
      const revoked = await post('/v1/events', { events: [event()] }, { authorization: `Bearer ${doomed.key}` });
      expect(revoked.status).toBe(401);
    });

    it('published none of the rejected batches', async () => {
      const marker = event();
      expect((await post('/v1/events', { events: [marker] })).status).toBe(202);
      await waitFor(() => eventsOn(badAccount).some((record) => (record.value as { id: string }).id === marker.id), { description: 'the marker event' });
      // Same key, same partition: anything published before the marker would precede it.
      expect(eventsOn(badAccount).map((record) => (record.value as { id: string }).id)).toEqual([marker.id]);
    });
  });

  it('survives thousands of random bodies: never a 5xx, never a crash', async () => {
    const anyJson = fc.jsonValue({ maxDepth: 4 });
    const eventLike = fc.record(
      { id: fc.oneof(fc.string(), fc.integer()), type: fc.oneof(fc.constantFrom('feature.used', 'session.started'), fc.string()), accountId: fc.oneof(fc.string(), anyJson), timestamp: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()), properties: anyJson },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      anyJson.map((value) => JSON.stringify(value)),
      fc.string(),
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      fc.array(eventLike, { maxLength: 5 }).map((events) => JSON.stringify({ events })),
      fc.array(eventLike, { maxLength: 5 }).map((batch) => JSON.stringify({ batch })),
    );
    const path = fc.constantFrom('/v1/events', '/v1/batch', '/v1/track', '/v1/identify', '/v1/group', '/v1/page');
    await fc.assert(
      fc.asyncProperty(path, body, async (target, payload) => {
        const response = await post(target, payload);
        await response.arrayBuffer();
        return response.status < 500;
      }),
      { numRuns: 2000 },
    );
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  describe('Segment-compatible endpoints', () => {
    it('accepts the write key as Basic auth or in the body', async () => {
      const accountId = `seg-${randomUUID()}`;
      const basic = `Basic ${Buffer.from(`${ingestKey}:`).toString('base64')}`;
      const viaHeader = await post('/v1/track', { userId: 'u1', event: 'Feature Used', properties: { feature: 'reports' }, context: { groupId: accountId } }, { authorization: basic });
      expect(viaHeader.status).toBe(200);
      expect(await viaHeader.json()).toEqual({ success: true, accepted: 1, duplicates: 0, skipped: [] });
      const viaBody = await post('/v1/track', { writeKey: ingestKey, userId: 'u1', event: 'Logged In', context: { groupId: accountId } }, { authorization: '' });
      expect(viaBody.status).toBe(200);
      await waitFor(() => eventsOn(accountId).length === 2, { description: 'both Segment events' });
      expect(eventsOn(accountId).map((record) => (record.value as { type: string }).type)).toEqual(['feature.used', 'session.started']);
    });

    it('remembers the account a user joined with group, for later calls without a groupId', async () => {
      const accountId = `seg-${randomUUID()}`;
      const userId = `user-${randomUUID()}`;
      expect((await post('/v1/group', { userId, groupId: accountId, traits: { plan: 'pro', seats: 12, mrr: 3000 } })).status).toBe(200);
      const later = await post('/v1/batch', { batch: [{ type: 'track', userId, event: 'Feature Used', properties: { feature: 'api' }, messageId: `m-${randomUUID()}` }] });
      expect(await later.json()).toMatchObject({ accepted: 1, skipped: [] });
      await waitFor(() => eventsOn(accountId).length === 2, { description: 'group and track events on the account' });
      expect(eventsOn(accountId).map((record) => record.value)).toEqual([
        expect.objectContaining({ type: 'account.updated', properties: { traits: { plan: 'pro', seats: 12, mrr: 3000 } }, source: 'segment' }),
        expect.objectContaining({ type: 'feature.used', userId, properties: { feature: 'api' } }),
      ]);
    });

    it('rejects a malformed Segment batch whole with 400', async () => {
      const response = await post('/v1/batch', { batch: [{ type: 'track', userId: 'u', event: 'x', context: { groupId: 'a' } }, { type: 'track', event: 'no user' }] });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { errors: { index: number }[] }).errors[0]?.index).toBe(1);
    });
  });

  describe('API key administration', () => {
    const admin = (method: string, path: string, body?: object) => sendAs(adminKey, method, path, body);

    it('creates, rotates and revokes keys; only admins may', async () => {
      const created = await admin('POST', '/v1/admin/api-keys', { name: 'ci', scopes: ['ingest'] });
      expect(created.status).toBe(201);
      const { id, key } = (await created.json()) as { id: string; key: string };
      expect((await post('/v1/events', { events: [event({ accountId: `k-${id}` })] }, { authorization: `Bearer ${key}` })).status).toBe(202);

      const rotated = (await (await admin('POST', `/v1/admin/api-keys/${id}/rotate`)).json()) as { id: string; key: string };
      expect(rotated.id).toBe(id);
      expect((await post('/v1/events', { events: [event({ accountId: `k-${id}` })] }, { authorization: `Bearer ${key}` })).status).toBe(401);
      expect((await post('/v1/events', { events: [event({ accountId: `k-${id}` })] }, { authorization: `Bearer ${rotated.key}` })).status).toBe(202);

      const listed = (await (await admin('GET', '/v1/admin/api-keys')).json()) as { keys: { id: string }[] };
      expect(listed.keys.map((entry) => entry.id)).toContain(id);
      // The secret is everything after `bwk_<id>_`: base64url, so it may itself hold '_' (even
      // start with one, which made split('_')[2] an empty string that every text contains).
      const secret = rotated.key.split('_').slice(2).join('_');
      expect(secret.length).toBeGreaterThan(20);
      expect(JSON.stringify(listed)).not.toContain(secret);

      expect((await admin('DELETE', `/v1/admin/api-keys/${id}`)).status).toBe(204);
      expect((await admin('DELETE', `/v1/admin/api-keys/${id}`)).status).toBe(404);
      expect((await post('/v1/events', { events: [event()] }, { authorization: `Bearer ${rotated.key}` })).status).toBe(401);

      const asIngest = await fetch(`${url}/v1/admin/api-keys`, { headers: { authorization: `Bearer ${ingestKey}` } });
      expect(asIngest.status).toBe(403);
    });

    it('names the bad field of a create request, and refuses unknown ones', async () => {
      const response = await admin('POST', '/v1/admin/api-keys', { name: '', scopes: ['root'], sudo: true });
      expect(response.status).toBe(400);
      const { errors } = (await response.json()) as { errors: { path: string }[] };
      // The bad scope is named down to its index in the array.
      expect(errors.map((error) => error.path).sort()).toEqual(['name', 'scopes.0', 'sudo']);
      const csmWithoutId = await admin('POST', '/v1/admin/api-keys', { name: 'x', scopes: ['csm'] });
      expect(((await csmWithoutId.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe('csmId');
    });

    it('refuses a csmId or team on a key whose scopes do not use them (issue 13)', async () => {
      const paths = async (body: object) => {
        const response = await admin('POST', '/v1/admin/api-keys', body);
        return [response.status, ((await response.json()) as { errors?: { path: string }[] }).errors?.map((error) => error.path)];
      };
      expect(await paths({ name: 'stray', scopes: ['ingest'], csmId: 'csm-ana', team: 'emea' })).toEqual([400, ['csmId', 'team']]);
      expect(await paths({ name: 'csm-in-team', scopes: ['csm'], csmId: 'csm-ana', team: 'emea' })).toEqual([400, ['team']]);
      expect(await paths({ name: 'manager-without-team', scopes: ['manager'] })).toEqual([400, ['team']]);
      expect((await admin('POST', '/v1/admin/api-keys', { name: 'crm', scopes: ['ingest', 'accounts:write'] })).status).toBe(201);
    });
  });

  describe('ownership from trusted sources only (issue 13)', () => {
    const admin = (method: string, path: string, body?: object) => sendAs(adminKey, method, path, body);

    it('drops csmId/team/tier from an ingest key’s events and publishes the rest unmarked', async () => {
      const accountId = `own-${randomUUID()}`;
      const response = await post('/v1/events', { events: [event({ accountId, type: 'account.updated', properties: { traits: { csmId: 'csm-x', tier: 'enterprise', plan: 'pro' } } })] });
      expect(response.status).toBe(202);
      expect(((await response.json()) as { warnings: { path: string }[] }).warnings.map((warning) => warning.path)).toEqual(['properties.traits.csmId', 'properties.traits.tier']);
      const [published] = await waitFor(() => (eventsOn(accountId).length > 0 ? eventsOn(accountId) : undefined), { description: 'the event on the topic' });
      expect(published?.value).toMatchObject({ properties: { traits: { plan: 'pro' } } });
      expect(published?.value).not.toHaveProperty('trustedAttributes');
      expect(JSON.stringify(published?.value)).not.toContain('csm-x');
    });

    it('publishes an admin ownership change as a trusted account.updated event, and reads it back', async () => {
      const accountId = `own-${randomUUID()}`;
      expect(await (await admin('GET', `/v1/admin/accounts/${accountId}`)).json()).toEqual({ accountId, csmId: null, team: null, tier: null, cacUsd: null, grossMarginPct: null, updatedAt: null });
      const patched = await admin('PATCH', `/v1/admin/accounts/${accountId}`, { csmId: 'csm-ana', team: 'emea' });
      expect(patched.status).toBe(200);
      expect(await patched.json()).toMatchObject({ accountId, csmId: 'csm-ana', team: 'emea', tier: null });
      const [published] = await waitFor(() => (eventsOn(accountId).length > 0 ? eventsOn(accountId) : undefined), { description: 'the trusted event on the topic' });
      expect(published?.value).toMatchObject({ type: 'account.updated', accountId, trustedAttributes: true, properties: { traits: { csmId: 'csm-ana', team: 'emea' } } });
      expect((await admin('PATCH', `/v1/admin/accounts/${accountId}`, { csmId: 'csm-ana', owner: 'x' })).status).toBe(400);
      expect((await admin('PATCH', `/v1/admin/accounts/${accountId}`, {})).status).toBe(400);
      expect((await admin('PATCH', `/v1/admin/accounts/${accountId}`, { tier: 5 })).status).toBe(400);
    });

  });

  describe('account economics from trusted sources only (issue 18)', () => {
    // A key of its own: these requests would otherwise spend the admin allowance the directory tests use.
    let economicsAdminKey = '';
    beforeAll(async () => {
      economicsAdminKey = (await app.get(ApiKeysService).create({ name: 'int-admin-economics', scopes: ['admin'] })).key;
    });
    const admin = (method: string, path: string, body?: object) => sendAs(economicsAdminKey, method, path, body);

    it('stores CAC and gross margin, audits before and after, and publishes them as trusted traits', async () => {
      const accountId = `econ-${randomUUID()}`;
      expect((await admin('PATCH', `/v1/admin/accounts/${accountId}`, { csmId: 'csm-ana' })).status).toBe(200);
      const patched = await admin('PATCH', `/v1/admin/accounts/${accountId}`, { cacUsd: 12000.5, grossMarginPct: 0.725 });
      expect(patched.status).toBe(200);
      const after = (await patched.json()) as Record<string, unknown>;
      expect(after).toMatchObject({ accountId, csmId: 'csm-ana', cacUsd: 12000.5, grossMarginPct: 0.725 });
      expect(await (await admin('GET', `/v1/admin/accounts/${accountId}`)).json()).toEqual(after);
      const published = await waitFor(() => eventsOn(accountId).find((record) => JSON.stringify(record.value).includes('cacUsd')), { description: 'the economics event on the topic' });
      expect(published.value).toMatchObject({ type: 'account.updated', accountId, trustedAttributes: true, properties: { traits: { cacUsd: 12000.5, grossMarginPct: 0.725 } } });
      expect(Object.keys((published.value as { properties: { traits: object } }).properties.traits)).toEqual(['cacUsd', 'grossMarginPct']);
      const audit = (await (await admin('GET', `/v1/admin/directory/audit?subject=account:${accountId}`)).json()) as { entries: { action: string; before: unknown; after: unknown }[] };
      expect(audit.entries[0]).toMatchObject({ action: 'account.economics.patch', before: { csmId: 'csm-ana', cacUsd: null, grossMarginPct: null }, after: { csmId: 'csm-ana', cacUsd: 12000.5, grossMarginPct: 0.725 } });

      // Clearing one keeps the other.
      expect(await (await admin('PATCH', `/v1/admin/accounts/${accountId}`, { grossMarginPct: null })).json()).toMatchObject({ cacUsd: 12000.5, grossMarginPct: null });
    });

    it('two first PATCHes of an account at once (owner, CAC) both stay: neither writes null over the other', async () => {
      const accountId = `econ-${randomUUID()}`;
      // Holds both requests between their read and their write: SHARE mode lets SELECT … FOR UPDATE
      // through and stops the INSERT, so on a row-lock-only patch both read "no row" before either writes.
      const blocker = new Client({ connectionString: testEnvironment.databaseUrl });
      await blocker.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query('LOCK TABLE ingestion.account_ownership IN SHARE MODE');
        const owner = admin('PATCH', `/v1/admin/accounts/${accountId}`, { csmId: 'csm-ana' });
        const economics = admin('PATCH', `/v1/admin/accounts/${accountId}`, { cacUsd: 700 });
        // Both requests wait: on the table (a write) or on the account (the other holds it).
        await waitFor(async () => Number((await blocker.query('SELECT count(*) AS n FROM pg_locks WHERE NOT granted AND pid <> pg_backend_pid() AND database = (SELECT oid FROM pg_database WHERE datname = current_database())')).rows[0].n) === 2, {
          description: 'both PATCHes to wait',
        });
        await blocker.query('COMMIT');
        expect([(await owner).status, (await economics).status]).toEqual([200, 200]);
      } finally {
        await blocker.end();
      }
      expect(await (await admin('GET', `/v1/admin/accounts/${accountId}`)).json()).toMatchObject({ csmId: 'csm-ana', cacUsd: 700 });
    });

    it('refuses bad CAC and margin values and unknown fields with 400 naming the field, and changes nothing', async () => {
      const accountId = `econ-${randomUUID()}`;
      expect((await admin('PATCH', `/v1/admin/accounts/${accountId}`, { cacUsd: 500, grossMarginPct: 0.6 })).status).toBe(200);
      const before = await (await admin('GET', `/v1/admin/accounts/${accountId}`)).json();
      await waitFor(() => eventsOn(accountId).length === 1, { description: 'the first change on the topic' });
      const auditCount = async () => ((await (await admin('GET', `/v1/admin/directory/audit?subject=account:${accountId}`)).json()) as { entries: unknown[] }).entries.length;
      expect(await auditCount()).toBe(1);
      for (const [body, field] of [
        [{ cacUsd: -1 }, 'cacUsd'],
        [{ cacUsd: '500' }, 'cacUsd'],
        [{ grossMarginPct: 80 }, 'grossMarginPct'],
        [{ grossMarginPct: -0.2, csmId: 'csm-ana' }, 'grossMarginPct'],
        [{ cacUsd: 100, cac: 100 }, 'cac'],
        [{ cacUsd: 100, margin: 0.5 }, 'margin'],
      ] as const) {
        const response = await admin('PATCH', `/v1/admin/accounts/${accountId}`, body);
        expect([JSON.stringify(body), response.status]).toEqual([JSON.stringify(body), 400]);
        expect(((await response.json()) as { errors: { path: string }[] }).errors.map((error) => error.path)).toEqual([field]);
      }
      expect(await (await admin('GET', `/v1/admin/accounts/${accountId}`)).json()).toEqual(before);
      expect(await auditCount()).toBe(1);
      // A later good change on the same key (same partition, in order) proves no refused one was published.
      expect((await admin('PATCH', `/v1/admin/accounts/${accountId}`, { tier: 'gold' })).status).toBe(200);
      await waitFor(() => eventsOn(accountId).length >= 2, { description: 'the later change on the topic' });
      expect(eventsOn(accountId)).toHaveLength(2);
    });

    it('drops cacUsd and grossMarginPct from an ingest key’s events, with a warning naming each', async () => {
      const accountId = `econ-${randomUUID()}`;
      const response = await post('/v1/events', { events: [event({ accountId, type: 'account.updated', properties: { traits: { cacUsd: 1, grossMarginPct: 0.01, plan: 'pro' } } })] });
      expect(response.status).toBe(202);
      expect(((await response.json()) as { warnings: { path: string }[] }).warnings.map((warning) => warning.path)).toEqual(['properties.traits.cacUsd', 'properties.traits.grossMarginPct']);
      const [published] = await waitFor(() => (eventsOn(accountId).length > 0 ? eventsOn(accountId) : undefined), { description: 'the event on the topic' });
      expect(published?.value).toMatchObject({ properties: { traits: { plan: 'pro' } } });
      expect(published?.value).not.toHaveProperty('trustedAttributes');
      expect(JSON.stringify(published?.value)).not.toContain('cacUsd');
    });
  });

  describe('the directory (issue 13)', () => {
    const admin = (method: string, path: string, body?: object) => sendAs(adminKey, method, path, body);
    const directoryRecords = (key: string) => tail.records.filter((record) => record.topic === Topics.directory && record.key === key);

    it('keeps teams and CSMs, refuses what would break it, publishes and audits every change', async () => {
      const team = `t-${randomUUID().slice(0, 8)}`;
      const csm = `c-${randomUUID().slice(0, 8)}`;
      expect((await admin('PUT', `/v1/admin/directory/csms/${csm}`, { team })).status).toBe(400);
      expect((await admin('PUT', `/v1/admin/directory/teams/${team}`, { managers: ['mia'] })).status).toBe(200);
      expect((await admin('PUT', `/v1/admin/directory/csms/${csm}`, { team })).status).toBe(200);
      expect((await admin('DELETE', `/v1/admin/directory/teams/${team}`)).status).toBe(409);
      const listed = (await (await admin('GET', '/v1/admin/directory')).json()) as { teams: { team: string }[]; csms: { csmId: string; team: string }[] };
      expect(listed.csms).toContainEqual(expect.objectContaining({ csmId: csm, team }));
      await waitFor(() => directoryRecords(`csm:${csm}`).length > 0 && directoryRecords(`team:${team}`).length > 0, { description: 'the directory records' });
      expect(directoryRecords(`csm:${csm}`)[0]?.value).toMatchObject({ schemaVersion: 1, kind: 'csm', id: csm, team, deleted: false });
      expect((await admin('DELETE', `/v1/admin/directory/csms/${csm}`)).status).toBe(204);
      expect((await admin('DELETE', `/v1/admin/directory/csms/${csm}`)).status).toBe(404);
      expect((await admin('DELETE', `/v1/admin/directory/teams/${team}`)).status).toBe(204);
      await waitFor(() => directoryRecords(`csm:${csm}`).some((record) => (record.value as { deleted: boolean }).deleted), { description: 'the deletion record' });
      const audit = (await (await admin('GET', `/v1/admin/directory/audit?subject=csm:${csm}`)).json()) as { entries: { action: string }[] };
      expect(audit.entries.map((entry) => entry.action)).toEqual(['directory.csm.delete', 'directory.csm.put']);
    });

    it("keeps a CSM's email address: returned, audited before and after, published on their record and read by a DirectoryRing (issue 18 §4)", async () => {
      const csm = `c-${randomUUID().slice(0, 8)}`;
      const ring = new DirectoryRing(kafka);
      await ring.start();
      try {
        expect((await admin('PUT', `/v1/admin/directory/csms/${csm}`, { team: null })).status).toBe(200);
        const put = await admin('PUT', `/v1/admin/directory/csms/${csm}`, { team: null, email: 'ana.lopez@acme.example' });
        expect(put.status).toBe(200);
        expect(await put.json()).toMatchObject({ csmId: csm, team: null, email: 'ana.lopez@acme.example' });
        const listed = (await (await admin('GET', '/v1/admin/directory')).json()) as { csms: { csmId: string; email: string | null }[] };
        expect(listed.csms.find((entry) => entry.csmId === csm)?.email).toBe('ana.lopez@acme.example');
        await waitFor(() => ring.emailOfCsm(csm) === 'ana.lopez@acme.example', { description: "the CSM's address in a DirectoryRing" });
        const published = await waitFor(() => directoryRecords(`csm:${csm}`).find((record) => (record.value as { email?: unknown }).email !== undefined && (record.value as { email?: unknown }).email !== null), { description: 'the record with the address' });
        expect(published.value).toMatchObject({ kind: 'csm', id: csm, email: 'ana.lopez@acme.example', deleted: false });

        // A bad address: 400 naming email, and nothing stored, audited or published.
        const recordsBefore = directoryRecords(`csm:${csm}`).length;
        for (const email of ['Ana <ana@acme.example>', 'ana@acme.example\r\nBcc: all@acme.example', 'ana@localhost', 42]) {
          const bad = await admin('PUT', `/v1/admin/directory/csms/${csm}`, { team: null, email });
          expect(bad.status).toBe(400);
          expect(((await bad.json()) as { errors: { path: string }[] }).errors.map((error) => error.path)).toContain('email');
        }
        const afterBad = (await (await admin('GET', '/v1/admin/directory')).json()) as { csms: { csmId: string; email: string | null }[] };
        expect(afterBad.csms.find((entry) => entry.csmId === csm)?.email).toBe('ana.lopez@acme.example');

        // Absent clears it (a PUT replaces the entry).
        expect(await (await admin('PUT', `/v1/admin/directory/csms/${csm}`, { team: null })).json()).toMatchObject({ csmId: csm, email: null });
        await waitFor(() => ring.emailOfCsm(csm) === null && directoryRecords(`csm:${csm}`).length > recordsBefore, { description: 'the cleared address in the DirectoryRing and on the topic' });
        // One partition: a record of a refused PUT would have come before this one.
        expect(directoryRecords(`csm:${csm}`).slice(recordsBefore).map((record) => (record.value as { email?: unknown }).email)).toEqual([null]);
        const audit = (await (await admin('GET', `/v1/admin/directory/audit?subject=csm:${csm}`)).json()) as { entries: { before: { email?: unknown } | null; after: { email?: unknown } }[] };
        expect(audit.entries.map((entry) => [entry.before?.email, entry.after.email])).toEqual([
          ['ana.lopez@acme.example', null],
          [null, 'ana.lopez@acme.example'],
          [undefined, null],
        ]);
      } finally {
        await ring.stop();
      }
    });

    it('names the bad field or parameter', async () => {
      expect((await admin('PUT', '/v1/admin/directory/teams/bad%20team', { managers: [] })).status).toBe(400);
      const badManagers = await admin('PUT', '/v1/admin/directory/teams/ok', { managers: ['a b'], extra: 1 });
      expect(badManagers.status).toBe(400);
      expect(((await badManagers.json()) as { errors: { path: string }[] }).errors.map((error) => error.path).sort()).toEqual(['extra', 'managers.0']);
      expect((await admin('PUT', '/v1/admin/directory/csms/ana', {})).status).toBe(400);
      expect((await admin('GET', '/v1/admin/directory/audit?limit=0')).status).toBe(400);
      const asIngest = await fetch(`${url}/v1/admin/directory`, { headers: { authorization: `Bearer ${ingestKey}` } });
      expect(asIngest.status).toBe(403);
    });
  });

  it('serves its OpenAPI document', async () => {
    const document = (await (await fetch(`${url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toBe('3.1.0');
    expect(document.paths['/v1/events']).toBeDefined();
  });
});

describe('rate limiting per key', () => {
  const port = 4311 + Number(process.env['E2E_PORT_OFFSET'] ?? 0);
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await boot(port, { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '3' });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('answers 429 with Retry-After over the limit, with RateLimit headers throughout', async () => {
    const { key } = await app.get(ApiKeysService).create({ name: 'int-limited', scopes: ['ingest'] });
    const send = () =>
      fetch(`http://127.0.0.1:${port}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ events: [{ id: `evt_${randomUUID()}`, type: 'session.started', accountId: 'limited', timestamp: now() }] }),
      });
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let attempt = 0; attempt < 8 && !limited; attempt += 1) {
      const response = await send();
      statuses.push(response.status);
      expect(response.headers.get('ratelimit-limit')).toBe('3');
      if (response.status === 429) limited = response;
    }
    expect(statuses.slice(0, 3)).toEqual([202, 202, 202]);
    expect(limited?.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(limited?.headers.get('ratelimit-remaining')).toBe('0');
  });
});
