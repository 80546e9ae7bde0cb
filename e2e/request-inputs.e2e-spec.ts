import 'reflect-metadata';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Topics, type AlertLifecycleEvent, type PlaybookRunEvent } from '@bellwether/contracts';
import { waitFor } from '@bellwether/testing';
import { apiRoutes, type ApiRoute } from './api-routes';
import { Stack } from './stack';

type Role = 'none' | 'ingest' | 'integrator' | 'csm' | 'otherCsm' | 'manager' | 'admin';
const roles: readonly Role[] = ['none', 'ingest', 'integrator', 'csm', 'otherCsm', 'manager', 'admin'];
const daysAgo = (days: number): string => new Date(Date.now() - days * 86_400_000).toISOString();

interface Answer {
  readonly status: number;
  readonly text: string;
}

/**
 * Bad input on the work and read APIs (issue 13): the inputs that gave 500 each get a 400 naming
 * the field, and random values thrown at every route's path parameters, query parameters and
 * bodies, with keys of every role, never give a 5xx nor show one CSM's book to another.
 */
describe('parameters and bodies on every route against the running services', () => {
  // Thousands of requests from a handful of keys: the per-key limits have their own test
  // (rate-limits.e2e-spec.ts); here a 429 would only hide what the handlers answer.
  const unlimited = {
    READ_RATE_LIMIT_PER_SECOND: '100000',
    READ_RATE_LIMIT_BURST: '100000',
    ACTION_RATE_LIMIT_PER_SECOND: '100000',
    ACTION_RATE_LIMIT_BURST: '100000',
    ADMIN_RATE_LIMIT_PER_SECOND: '100000',
    ADMIN_RATE_LIMIT_BURST: '100000',
    RATE_LIMIT_PER_SECOND: '100000',
    RATE_LIMIT_BURST: '100000',
  };
  const stack = new Stack(5300, { ingestion: unlimited, scoring: unlimited, alerting: unlimited, playbook: unlimited });
  const keys: Partial<Record<Role, string>> = {};
  /** csm-ana (team emea) owns `mine`; csm-zed (team apac) owns `theirs`. */
  const book = { mine: { accountId: `in-ana-${randomUUID()}`, alertId: '', taskId: '' }, theirs: { accountId: `in-zed-${randomUUID()}`, alertId: '', taskId: '' } };
  const seed = Date.now();

  beforeAll(async () => {
    await stack.start();
    // The ingest key also carries accounts:write: the setup below sets owners with csmId traits.
    keys.ingest = await stack.createKey('ingest,accounts:write');
    keys.integrator = await stack.createKey('integrator');
    keys.csm = await stack.createKey('csm', ['--csm-id', 'csm-ana']);
    keys.otherCsm = await stack.createKey('csm', ['--csm-id', 'csm-zed']);
    keys.manager = await stack.createKey('manager', ['--team', 'emea']);
    keys.admin = await stack.createKey('admin');
    await stack.putDirectory(keys.admin, { emea: ['csm-ana'], apac: ['csm-zed'] });
    for (const [csmId, entry] of [['csm-ana', book.mine], ['csm-zed', book.theirs]] as const) {
      const event = (type: string, timestamp: string, properties: Record<string, unknown> = {}) => ({ id: `evt_${randomUUID()}`, type, accountId: entry.accountId, userId: 'u1', timestamp, properties });
      const posted = await stack.post(
        '/v1/events',
        {
          events: [
            event('subscription.changed', daysAgo(1), { seats: 10, mrr: 4000, startDate: daysAgo(300) }),
            event('account.updated', daysAgo(1), { traits: { csmId } }),
            ...Array.from({ length: 5 }, (_, n) => event('support.ticket_opened', daysAgo(1), { ticketId: `t${n}`, topic: 'x' })),
            event('billing.payment_failed', daysAgo(1)),
            event('nps.responded', daysAgo(1), { score: 1 }),
          ],
        },
        { authorization: `Bearer ${keys.ingest}` },
      );
      expect(posted.status).toBe(202);
    }
    for (const entry of [book.mine, book.theirs]) {
      const alert = await stack.waitForRecord(Topics.alerts, 'an alert', (value) => value['accountId'] === entry.accountId && value['kind'] === 'opened');
      entry.alertId = (alert.value as AlertLifecycleEvent).alertId;
      const task = await stack.waitForRecord(Topics.playbookRuns, 'a task', (value) => value['accountId'] === entry.accountId && value['kind'] === 'task.created');
      entry.taskId = (task.value as PlaybookRunEvent).task?.taskId ?? '';
    }
    // Keys reach scoring, alerting and playbook over bellwether.api-keys.v1.
    for (const service of [stack.services.scoring, stack.services.alerting, stack.services.playbook]) {
      for (const key of Object.values(keys)) {
        await waitFor(async () => (await fetch(`${service.baseUrl}/v1/queues/csm:nobody/alerts`, { headers: { authorization: `Bearer ${key}` } })).status !== 401, {
          description: `keys to reach ${service.name}`,
        });
      }
    }
  });

  afterAll(async () => {
    await stack.stop();
  });

  const send = async (role: Role, service: ApiRoute['service'], method: string, pathAndQuery: string, body?: string, stream = false): Promise<Answer> => {
    const key = keys[role];
    const abort = new AbortController();
    const response = await fetch(`${stack.services[service].baseUrl}${pathAndQuery}`, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body,
      signal: abort.signal,
    });
    if (stream && response.status < 300) {
      abort.abort();
      return { status: response.status, text: '' };
    }
    return { status: response.status, text: await response.text() };
  };
  const errorsOf = (answer: Answer): { path: string; message: string }[] => (JSON.parse(answer.text) as { errors: { path: string; message: string }[] }).errors;

  describe('the inputs that gave 500', () => {
    it('answers 400 naming from/to for score-history dates Postgres cannot read', async () => {
      for (const [name, value] of [['from', '1'], ['to', 'Tuesday 2026'], ['from', '2026-02-30T00:00:00Z'], ['to', '0000-01-01T00:00:00Z']]) {
        const answer = await send('csm', 'scoring', 'GET', `/v1/accounts/${book.mine.accountId}/scores?${name}=${encodeURIComponent(value)}`);
        expect({ value, status: answer.status }).toEqual({ value, status: 400 });
        expect(errorsOf(answer).map((error) => error.path)).toEqual([name]);
      }
    });

    it('answers 400 naming a repeated query parameter', async () => {
      for (const [service, path] of [
        ['alerting', '/v1/queues/csm:csm-ana/alerts?status=open&status=resolved'],
        ['alerting', '/v1/queues/csm:csm-ana/alerts?limit=1&limit=2'],
        ['playbook', '/v1/queues/csm:csm-ana/tasks?status=open&status=done'],
        ['scoring', `/v1/accounts/${book.mine.accountId}/scores?from=${daysAgo(3)}&from=${daysAgo(2)}`],
        ['playbook', `/v1/portfolio/kpis?segment=loyal&segment=stable`],
      ] as const) {
        const answer = await send('manager', service, 'GET', path);
        const name = /\?([a-z]+)=/.exec(path)?.[1];
        expect({ path, status: answer.status }).toEqual({ path, status: 400 });
        expect(errorsOf(answer)).toEqual([{ path: name, message: expect.stringMatching(/once/) }]);
      }
    });

    it('answers 400 naming until for a snooze date outside the sane range', async () => {
      // The first two gave 500 (PostgreSQL cannot read a six-digit year); the others are past the sane range.
      for (const until of ['+275760-09-13T00:00:00Z', '+100000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2026-02-30T00:00:00Z', 'tomorrow']) {
        const answer = await send('csm', 'alerting', 'POST', `/v1/alerts/${book.mine.alertId}/snooze`, JSON.stringify({ until }));
        expect({ until, status: answer.status }).toEqual({ until, status: 400 });
        expect(errorsOf(answer).map((error) => error.path)).toEqual(['until']);
      }
    });

    it('answers 400 naming the field for U+0000 or a lone surrogate in notes and key names', async () => {
      for (const bad of ['a\u0000b', 'a\ud800b']) {
        const cases = [
          ['alerting', `/v1/alerts/${book.mine.alertId}/resolve`, { outcome: 'saved', note: bad }, 'csm', 'note'],
          ['playbook', `/v1/tasks/${book.mine.taskId}/complete`, { note: bad }, 'csm', 'note'],
          ['ingestion', '/v1/admin/api-keys', { name: bad, scopes: ['ingest'] }, 'admin', 'name'],
        ] as const;
        for (const [service, path, body, role, field] of cases) {
          const answer = await send(role, service, 'POST', path, JSON.stringify(body));
          expect({ path, bad, status: answer.status }).toEqual({ path, bad, status: 400 });
          expect(errorsOf(answer).map((error) => error.path)).toEqual([field]);
        }
      }
      // Nothing was acted on: the alert and the task are still open.
      const alerts = await send('csm', 'alerting', 'GET', '/v1/queues/csm:csm-ana/alerts');
      expect(alerts.text).toContain(book.mine.alertId);
      const tasks = await send('csm', 'playbook', 'GET', '/v1/queues/csm:csm-ana/tasks');
      expect(tasks.text).toContain(book.mine.taskId);
    });

    it('bounds the error list of a large bad body', async () => {
      // 5,000 empty events: four problems each, a 1.1 MB answer to a 10 KB body before the bound.
      const body = JSON.stringify({ events: Array.from({ length: 5000 }, () => ({})) });
      const answer = await send('ingest', 'ingestion', 'POST', '/v1/events', body);
      expect(answer.status).toBe(400);
      const parsed = JSON.parse(answer.text) as { errors: unknown[]; truncated?: number };
      expect(parsed.errors).toHaveLength(100);
      expect(parsed.truncated).toBe(20_000 - 100);
      expect(answer.text.length).toBeLessThan(64_000);
    });
  });

  describe('random values on every route', () => {
    it('lists every route the controllers declare', async () => {
      expect(await declaredRoutes()).toEqual(new Set(apiRoutes.map((route) => `${route.service} ${route.method} ${route.path}`)));
    });

    it('never answers 5xx and never shows another book, whatever the parameters and body', async () => {
      const foreign: Partial<Record<Role, readonly string[]>> = {
        csm: [book.theirs.accountId, book.theirs.alertId, book.theirs.taskId],
        manager: [book.theirs.accountId, book.theirs.alertId, book.theirs.taskId],
        otherCsm: [book.mine.accountId, book.mine.alertId, book.mine.taskId],
      };
      const known = {
        id: [book.mine.accountId, book.theirs.accountId, book.mine.alertId, book.theirs.alertId, book.mine.taskId, book.theirs.taskId],
        queue: ['csm:csm-ana', 'csm:csm-zed', 'team:emea', 'team:apac', 'manager:emea', 'manager:apac'],
      };
      const statuses: Record<string, number[]> = {};
      // First every known id with every key, no query and no body: the answers a real client gets.
      for (const route of apiRoutes.filter((candidate) => !candidate.destructive && !candidate.stream)) {
        const names = [...route.path.matchAll(/:([a-z]+)/g)].map((match) => match[1] as string);
        const paths = names.reduce<string[]>((partial, name) => partial.flatMap((path) => (known[name as keyof typeof known] ?? []).map((value) => path.replace(`:${name}`, value))), [route.path]);
        for (const path of paths) {
          for (const role of roles) {
            const answer = await send(role, route.service, route.method, path);
            const label = `${route.method} ${path} as ${role}`;
            expect({ label, status: answer.status < 500 }).toEqual({ label, status: true });
            if (answer.status < 300) for (const id of foreign[role] ?? []) expect({ label, leaked: answer.text.includes(id) }).toEqual({ label, leaked: false });
            (statuses[`${route.method} ${route.path}`] ??= []).push(answer.status);
          }
        }
      }
      // Then random values everywhere.
      for (const [index, route] of apiRoutes.entries()) {
        const requests = fc.sample(requestArbitrary(route, route.destructive ? { id: [], queue: [] } : known), { numRuns: route.body === null && route.query.length === 0 ? 8 : 16, seed: seed + index });
        for (const request of requests) {
          const answer = await send(request.role, route.service, route.method, request.url, request.body, route.stream);
          const label = `${route.method} ${route.path} as ${request.role} (seed ${seed + index}): ${request.url} ${request.body?.slice(0, 300) ?? ''}`;
          expect({ label, status: answer.status < 500 }).toEqual({ label, status: true });
          if (answer.status < 300) for (const id of foreign[request.role] ?? []) expect({ label, leaked: answer.text.includes(id) }).toEqual({ label, leaked: false });
          (statuses[`${route.method} ${route.path}`] ??= []).push(answer.status);
        }
      }
      // Not vacuous: the values reached validation (400) and, with known ids, the handlers (2xx).
      expect(Object.values(statuses).flat()).toContain(400);
      expect(statuses['GET /v1/accounts/:id']?.some((status) => status === 200)).toBe(true);
      expect(statuses['GET /v1/queues/:queue/alerts']?.some((status) => status === 200)).toBe(true);
      expect(statuses['GET /v1/queues/:queue/tasks']?.some((status) => status === 200)).toBe(true);
      expect(statuses['POST /v1/alerts/:id/acknowledge']?.some((status) => status === 200)).toBe(true);
    });
  });
});

interface RandomRequest {
  readonly role: Role;
  readonly url: string;
  readonly body?: string;
}

/** Nasty strings: U+0000, lone surrogates, huge, non-Latin, numbers and dates as text. */
const nastyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u0000', 'a\u0000', '\ud800', '\udc00x', '💥', '%', '../', '', ' ', 'null', '-1', '1e309', 'NaN', 'x'.repeat(5000)),
  fc.date({ noInvalidDate: true, min: new Date(-8.64e15), max: new Date(8.64e15) }).map((date) => date.toISOString()),
  fc.constantFrom('0000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '2026-13-01T00:00:00Z', '1', 'Tuesday', '2026-01-01'),
  fc.integer().map(String),
);
const nastyJson: fc.Arbitrary<unknown> = fc.oneof(nastyString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(nastyString, { maxLength: 3 }), fc.jsonValue({ maxDepth: 3 }));

/** The path with each `:name` replaced by a known value of that name, or a nasty one. */
function requestArbitrary(route: ApiRoute, known: Record<string, string[]>): fc.Arbitrary<RandomRequest> {
  const names = [...route.path.matchAll(/:([a-z]+)/g)].map((match) => match[1] as string);
  const pathValues = fc.tuple(...names.map((name) => (known[name]?.length ? fc.oneof(fc.constantFrom(...(known[name] as string[])), nastyString) : nastyString)));
  // One request in three has no query at all, so known ids also reach the handlers, not only validation.
  const queryEntries = fc.oneof(
    { weight: 1, arbitrary: fc.constant([] as [string, string][]) },
    { weight: 2, arbitrary: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...route.query, 'x'), fc.string({ maxLength: 5 })), nastyString), { minLength: 1, maxLength: 4 }) },
  );
  const body =
    route.body === null
      ? fc.constant(undefined)
      : fc.oneof(
          fc.dictionary(route.body.length > 0 ? fc.oneof(fc.constantFrom(...route.body), fc.string({ maxLength: 5 })) : fc.string({ maxLength: 5 }), nastyJson, { maxKeys: 4 }).map((value) => JSON.stringify(value)),
          nastyJson.map((value) => JSON.stringify(value) ?? 'null'),
          nastyString,
        );
  return fc.record({ role: fc.constantFrom(...roles), values: pathValues, query: queryEntries, body }).map(({ role, values, query, body: text }) => {
    let index = 0;
    const path = route.path.replace(/:([a-z]+)/g, () => encodePathSegment(values[index++] ?? ''));
    const search = query.map(([name, value]) => `${encodeText(name)}=${encodeText(value)}`).join('&');
    return { role, url: search ? `${path}?${search}` : path, ...(text === undefined ? {} : { body: text }) };
  });
}

/** Percent-encoding that never throws: a lone surrogate is sent as the bytes a careless client would send (WTF-8). */
function encodeText(text: string): string {
  return [...text].map((char) => (/^[\ud800-\udfff]$/.test(char) ? wtf8(char) : encodeURIComponent(char))).join('');
}

function encodePathSegment(text: string): string {
  return text === '' ? '%20' : encodeText(text);
}

function wtf8(surrogate: string): string {
  const code = surrogate.charCodeAt(0);
  return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((byte) => `%${byte.toString(16).toUpperCase()}`).join('');
}

/** `service METHOD /path` for every route the controllers of apps/ and libs/platform declare (Nest's metadata). */
async function declaredRoutes(): Promise<Set<string>> {
  const root = resolve(__dirname, '..');
  const services = ['ingestion', 'scoring', 'alerting', 'playbook'] as const;
  const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'ALL', 'OPTIONS', 'HEAD'];
  const files = [
    ...services.flatMap((service) =>
      (readdirSync(join(root, 'apps', service, 'src'), { recursive: true }) as string[]).filter((file) => file.endsWith('.controller.ts')).map((file) => ({ services: [service], file: join(root, 'apps', service, 'src', file) })),
    ),
    ...(readdirSync(join(root, 'libs/platform/src'), { recursive: true }) as string[]).filter((file) => file.endsWith('.controller.ts')).map((file) => ({ services: [...services], file: join(root, 'libs/platform/src', file) })),
  ];
  const routes = new Set<string>();
  for (const { services: owners, file } of files) {
    for (const exported of Object.values((await import(file)) as Record<string, unknown>)) {
      if (typeof exported !== 'function') continue;
      const base = Reflect.getMetadata('path', exported) as string | undefined;
      if (base === undefined) continue;
      for (const name of Object.getOwnPropertyNames(exported.prototype)) {
        const handler = (exported.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function' || Reflect.getMetadata('method', handler) === undefined) continue;
        const method = methods[Reflect.getMetadata('method', handler) as number];
        const paths = [Reflect.getMetadata('path', handler) as string | string[]].flat();
        for (const path of paths) {
          const full = `/${[base, path].map((part) => part.replace(/^\/|\/$/g, '')).filter(Boolean).join('/')}`;
          for (const service of owners) routes.add(`${service} ${method} ${full}`);
        }
      }
    }
  }
  return routes;
}
