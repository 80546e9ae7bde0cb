import { randomInt } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { waitFor } from '@bellwether/testing';
import { Stack } from './stack';

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/**
 * A loopback source address of its own (127.0.0.0/8 is all local on Linux): each call comes from
 * a fresh client address unless the test reuses one, so failed authentications of one test
 * never count against another (or against 127.0.0.1 in other e2e files sharing this Redis).
 */
const loopbackAddress = (): string => `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
/** A documentation address (RFC 3849), random per run so reruns do not meet old Redis state. */
const forwardedAddress = (): string => `2001:db8::${randomInt(1, 0xffff).toString(16)}:${randomInt(1, 0xffff).toString(16)}`;

/** One request with Node's http client from `from` (a local address), with optional headers. */
function call(baseUrl: string, method: string, path: string, options: { key?: string; from?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${baseUrl}${path}`,
      {
        method,
        agent: false,
        localAddress: options.from ?? loopbackAddress(),
        headers: { ...(options.key ? { authorization: `Bearer ${options.key}` } : {}), ...(method === 'POST' ? { 'content-type': 'application/json' } : {}), ...options.headers },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(method === 'POST' ? '{}' : undefined);
  });
}

const rateHeaders = (answer: Answer) => ({
  limit: answer.headers['ratelimit-limit'],
  remaining: answer.headers['ratelimit-remaining'],
  retryAfter: answer.headers['retry-after'],
});

/** The value of a Prometheus counter on a service's /metrics with the given label (0 when absent). */
async function counter(baseUrl: string, name: string, label: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((row) => row.startsWith(`${name}{`) && row.includes(label));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/**
 * Issue 13, "Limits and logs": per-key GCRA limits on the read, action and admin APIs (with
 * ingestion's headers), failed authentications throttled per client address, and the portfolio
 * KPI cache. Limits are set low through env; one request per 100 s (0.01/s) refills nothing within
 * a test, so the counts below do not depend on timing.
 */
describe('rate limits and the auth-failure throttle', () => {
  const slow = '0.01';
  const stack = new Stack(5200, {
    ingestion: { ADMIN_RATE_LIMIT_PER_SECOND: slow, ADMIN_RATE_LIMIT_BURST: '2' },
    scoring: { READ_RATE_LIMIT_PER_SECOND: slow, READ_RATE_LIMIT_BURST: '3', AUTH_FAILURE_LIMIT_PER_MINUTE: '0.6', AUTH_FAILURE_BURST: '3' },
    alerting: { ACTION_RATE_LIMIT_PER_SECOND: slow, ACTION_RATE_LIMIT_BURST: '2' },
    playbook: { TRUST_PROXY: 'true', AUTH_FAILURE_LIMIT_PER_MINUTE: '0.6', AUTH_FAILURE_BURST: '3' },
  });

  beforeAll(async () => {
    await stack.start();
  });

  afterAll(async () => {
    await stack.stop();
  });

  /**
   * Waits until a service's key ring knows `key` (each probe from a fresh address, so its 401s
   * count nowhere) and returns that first answer.
   */
  const known = (baseUrl: string, path: string, key: string) =>
    waitFor(
      async () => {
        const answer = await call(baseUrl, 'GET', path, { key });
        return answer.status !== 401 ? answer : undefined;
      },
      { description: `the key to reach ${baseUrl}${path}` },
    );

  it('limits a key on a read route (scoring accounts) with RateLimit headers, then 429 + Retry-After; another key is unaffected', async () => {
    const scoring = stack.services.scoring.baseUrl;
    const [looping, other] = [await stack.createKey('integrator'), await stack.createKey('integrator')];
    // The first answer that is not 401 (the ring knows the key) is the first the limiter counted.
    const answers = [await known(scoring, '/v1/accounts/acct-unknown', looping)];
    for (let n = 0; n < 3; n++) answers.push(await call(scoring, 'GET', '/v1/accounts/acct-unknown', { key: looping }));
    expect(answers.map((answer) => answer.status)).toEqual([404, 404, 404, 429]);
    expect(answers.map(rateHeaders)).toEqual([
      { limit: '3', remaining: '2', retryAfter: undefined },
      { limit: '3', remaining: '1', retryAfter: undefined },
      { limit: '3', remaining: '0', retryAfter: undefined },
      { limit: '3', remaining: '0', retryAfter: expect.stringMatching(/^[1-9]\d*$/) as unknown },
    ]);
    expect(Number(answers[3]?.headers['ratelimit-reset'])).toBeGreaterThan(0);
    expect(JSON.parse(answers[3]?.text ?? '{}')).toEqual({ errors: [{ path: '', message: expect.stringContaining('rate limit exceeded') as unknown }] });
    // The second key travels the key topic on its own: wait until scoring knows it too (a race seen in CI).
    const unaffected = await known(scoring, '/v1/accounts/acct-unknown', other);
    expect(unaffected.status).toBe(404);
    expect(rateHeaders(unaffected)).toEqual({ limit: '3', remaining: '2', retryAfter: undefined });
  });

  it('limits a key on an action route (alerting acknowledge) separately from its reads; another key is unaffected', async () => {
    const alerting = stack.services.alerting.baseUrl;
    const [looping, other] = [await stack.createKey('csm', ['--csm-id', 'csm-rl']), await stack.createKey('csm', ['--csm-id', 'csm-rl2'])];
    await known(alerting, '/v1/queues/csm:csm-rl/alerts', looping);
    await known(alerting, '/v1/queues/csm:csm-rl2/alerts', other);
    const statuses = [];
    for (let n = 0; n < 3; n++) statuses.push(await call(alerting, 'POST', '/v1/alerts/alert-unknown/acknowledge', { key: looping }));
    expect(statuses.map((answer) => [answer.status, answer.headers['ratelimit-limit'], answer.headers['ratelimit-remaining']])).toEqual([
      [404, '2', '1'],
      [404, '2', '0'],
      [429, '2', '0'],
    ]);
    expect(statuses[2]?.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    // Reads are their own class: the looping key still reads its queue.
    expect((await call(alerting, 'GET', '/v1/queues/csm:csm-rl/alerts', { key: looping })).status).toBe(200);
    const unaffected = await call(alerting, 'POST', '/v1/alerts/alert-unknown/acknowledge', { key: other });
    expect([unaffected.status, unaffected.headers['ratelimit-remaining']]).toEqual([404, '1']);
  });

  it('limits a key on an admin route (ingestion api-keys) while its ingest allowance is untouched; another admin key is unaffected', async () => {
    const ingestion = stack.services.ingestion.baseUrl;
    const [looping, other] = [await stack.createKey('admin'), await stack.createKey('admin')];
    const statuses = [];
    for (let n = 0; n < 3; n++) statuses.push(await call(ingestion, 'GET', '/v1/admin/api-keys', { key: looping }));
    expect(statuses.map((answer) => [answer.status, answer.headers['ratelimit-limit'], answer.headers['ratelimit-remaining']])).toEqual([
      [200, '2', '1'],
      [200, '2', '0'],
      [429, '2', '0'],
    ]);
    expect(statuses[2]?.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    const ingest = await call(ingestion, 'POST', '/v1/events', { key: looping, headers: {} });
    // Ingestion's own limit (RATE_LIMIT_PER_SECOND / _BURST, defaults 50 / 100) applies to the event routes.
    expect([ingest.status, ingest.headers['ratelimit-limit']]).toEqual([400, '100']);
    const unaffected = await call(ingestion, 'GET', '/v1/admin/api-keys', { key: other });
    expect([unaffected.status, unaffected.headers['ratelimit-remaining']]).toEqual([200, '1']);
  });

  it('answers 429 + Retry-After to an address after repeated 401s, before looking at its key, and counts by X-Forwarded-For only when TRUST_PROXY allows', async () => {
    const playbook = stack.services.playbook.baseUrl;
    const manager = await stack.createKey('manager', ['--team', 'emea']);
    await waitFor(async () => (await call(playbook, 'GET', '/v1/portfolio/kpis', { key: manager, headers: { 'x-forwarded-for': forwardedAddress() } })).status === 200, {
      description: 'the manager key to reach playbook',
    });
    // Playbook trusts the proxy (TRUST_PROXY=true): the client is the X-Forwarded-For address, whatever the socket's.
    const guesser = forwardedAddress();
    const guesses = [];
    for (let n = 0; n < 4; n++) guesses.push(await call(playbook, 'GET', '/v1/portfolio/kpis', { key: `bw_guess${n}_x`, headers: { 'x-forwarded-for': guesser } }));
    expect(guesses.map((answer) => answer.status)).toEqual([401, 401, 401, 429]);
    expect(guesses[3]?.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    // The key is not even looked at: a right key from that address is refused too.
    const rightKey = await call(playbook, 'GET', '/v1/portfolio/kpis', { key: manager, headers: { 'x-forwarded-for': guesser } });
    expect([rightKey.status, rightKey.headers['retry-after'] !== undefined]).toEqual([429, true]);
    // Another client address is unaffected.
    expect((await call(playbook, 'GET', '/v1/portfolio/kpis', { key: 'bw_guess_x', headers: { 'x-forwarded-for': forwardedAddress() } })).status).toBe(401);
    expect((await call(playbook, 'GET', '/v1/portfolio/kpis', { key: manager, headers: { 'x-forwarded-for': forwardedAddress() } })).status).toBe(200);

    // Scoring does not trust proxies (the default): a changing X-Forwarded-For does not hide one socket address.
    const scoring = stack.services.scoring.baseUrl;
    const socket = loopbackAddress();
    const spoofed = [];
    for (let n = 0; n < 4; n++) spoofed.push(await call(scoring, 'GET', '/v1/accounts/acct-x', { key: `bw_guess${n}_x`, from: socket, headers: { 'x-forwarded-for': forwardedAddress() } }));
    expect(spoofed.map((answer) => answer.status)).toEqual([401, 401, 401, 429]);
    expect((await call(scoring, 'GET', '/v1/accounts/acct-x', { key: 'bw_guess_x' })).status).toBe(401);
  });

  it('serves a second identical KPI request from the cache with the same answer (bellwether_kpi_cache_lookups_total)', async () => {
    const playbook = stack.services.playbook.baseUrl;
    const integrator = await stack.createKey('integrator');
    const query = '/v1/portfolio/kpis?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&segment=stable';
    const get = () => call(playbook, 'GET', query, { key: integrator, headers: { 'x-forwarded-for': forwardedAddress() } });
    const hitsBefore = await counter(playbook, 'bellwether_kpi_cache_lookups_total', 'outcome="hit"');
    const missesBefore = await counter(playbook, 'bellwether_kpi_cache_lookups_total', 'outcome="miss"');
    // 401s while the ring learns the key reach no cache; the first 200 is computed.
    const computed = await waitFor(
      async () => {
        const answer = await get();
        return answer.status === 200 ? answer : undefined;
      },
      { description: 'the integrator key to reach playbook' },
    );
    const cached = await get();
    expect(cached.status).toBe(200);
    expect(JSON.parse(cached.text)).toEqual(JSON.parse(computed.text));
    expect(await counter(playbook, 'bellwether_kpi_cache_lookups_total', 'outcome="hit"')).toBe(hitsBefore + 1);
    expect(await counter(playbook, 'bellwether_kpi_cache_lookups_total', 'outcome="miss"')).toBe(missesBefore + 1);
  });
});
