import { randomUUID } from 'node:crypto';
import { Topics } from '@bellwether/contracts';
import { deliveryMessageId } from '@bellwether/platform';
import { TestSmtpServer, waitFor } from '@bellwether/testing';
import { Stack } from './stack';

const daysAgo = (days: number): string => new Date(Date.now() - days * 86_400_000).toISOString();

/** Events that take an account with an owner CSM (`csmId`, csm-ana by default) deep into red: unhappy, unpaid, barely used. */
function troubledAccountEvents(accountId: string, csmId = 'csm-ana') {
  const event = (type: string, timestamp: string, properties: Record<string, unknown> = {}, userId?: string) => ({
    id: `evt_${randomUUID()}`,
    type,
    accountId,
    timestamp,
    properties,
    ...(userId ? { userId } : {}),
  });
  return [
    // A CRM sync: the owner arrives with the subscription, so the first score already has its owner.
    // The history begins 3 days ago (the contract 200): every day from then on is scored.
    event('subscription.changed', daysAgo(3), { plan: 'pro', seats: 10, mrr: 5000, startDate: daysAgo(200) }),
    event('account.updated', daysAgo(3), { traits: { csmId } }),
    event('feature.used', daysAgo(3), { feature: 'reports' }, 'u1'),
    ...Array.from({ length: 5 }, (_, n) => event('support.ticket_opened', daysAgo(2), { ticketId: `t${n}`, topic: 'sync' })),
    event('billing.payment_failed', daysAgo(2)),
    event('nps.responded', daysAgo(1), { score: 2, comment: 'nothing works' }, 'u1'),
  ];
}

/** The SMTP relay playbook sends email steps to: a real SMTP server this test starts. */
const smtpPort = 4190 + Number(process.env['E2E_PORT_OFFSET'] ?? 0);
const EMAIL_FROM = 'Bellwether <cs@acme.example>';
const EMAIL_FALLBACK_TO = 'cs-team@acme.example';

describe('the pipeline, over the real broker, Postgres and Redis', () => {
  // KPI answers are cached (KPI_CACHE_TTL_SECONDS, 30 s by default); the KPI test waits for new data to show, so keep them fresh.
  const stack = new Stack(4100, { playbook: { KPI_CACHE_TTL_SECONDS: '1', SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, EMAIL_FROM, EMAIL_FALLBACK_TO } });
  const smtp = new TestSmtpServer();
  const mails = smtp.received;
  let ingestKey = '';
  let troubledAccount = '';

  beforeAll(async () => {
    await smtp.start(smtpPort);
    await stack.start();
    // Its events set owners (csmId): a trusted source, as a CRM sync would be.
    ingestKey = await stack.createKey('ingest,accounts:write');
  });

  afterAll(async () => {
    await stack.stop();
    await smtp.stop();
  });

  it('carries an event through all four services: score change, risk alert in the owner queue, playbook task', async () => {
    const accountId = `acct-${randomUUID()}`;
    const response = await stack.post('/v1/events', { events: troubledAccountEvents(accountId) }, { authorization: `Bearer ${ingestKey}` });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: 10, duplicates: 0 });

    const red = await stack.waitForRecord(Topics.scores, 'a red score change', (value) => value['accountId'] === accountId && (value['after'] as { band: string }).band === 'red');
    const change = red.value as { reasons: string[]; drivers: unknown[]; account: { csmId?: string } };
    expect(change.reasons.length).toBeGreaterThan(0);
    expect(change.drivers).toHaveLength(6);
    expect(change.account.csmId).toBe('csm-ana');

    const opened = await stack.waitForRecord(Topics.alerts, 'a health_entered_red alert', (value) => value['accountId'] === accountId && value['rule'] === 'health_entered_red');
    expect(opened.value).toMatchObject({ kind: 'opened', queue: 'csm:csm-ana', category: 'risk', severity: 'critical', status: 'open' });

    const task = await stack.waitForRecord(
      Topics.playbookRuns,
      'a value re-discovery task',
      (value) => value['accountId'] === accountId && value['kind'] === 'task.created' && value['playbookId'] === 'value-rediscovery',
    );
    expect(task.value).toMatchObject({ playbookId: 'value-rediscovery', task: { queue: 'csm:csm-ana', role: 'csm' } });

    // The queue store agrees with the topics: exactly one active alert for the rule, the task in the CSM's queue.
    const alerts = await stack.db.query(`SELECT rule_id, queue FROM alerting.alerts WHERE account_id = $1 AND status <> 'resolved' AND rule_id = 'health_entered_red'`, [accountId]);
    expect(alerts.rows).toEqual([{ rule_id: 'health_entered_red', queue: 'csm:csm-ana' }]);
    const tasks = await stack.db.query('SELECT queue, role FROM playbook.tasks WHERE account_id = $1', [accountId]);
    expect(tasks.rows).toContainEqual({ queue: 'csm:csm-ana', role: 'csm' });
    troubledAccount = accountId;
  });

  it("sends the payment recovery email by SMTP: it arrives rendered with the account's fields, owner CSM and trigger, and the delivery's Message-ID", async () => {
    expect(troubledAccount).not.toBe('');
    const subject = `[${troubledAccount}] A payment failed: contact the account`;
    await waitFor(() => mails.some(({ mail }) => mail.subject === subject), { timeoutMs: 30_000, description: 'the payment recovery email at the SMTP server' });
    const received = mails.filter(({ mail }) => mail.subject === subject);
    expect(received).toHaveLength(1);
    const [{ envelopeTo, mail }] = received as [(typeof mails)[number]];
    // csm-ana has no address in the directory: the email goes to EMAIL_FALLBACK_TO.
    expect(envelopeTo).toEqual([EMAIL_FALLBACK_TO]);
    expect(mail.from?.value).toEqual([{ address: 'cs@acme.example', name: 'Bellwether' }]);
    expect(mail.text).toContain(`Account: ${troubledAccount} (pro plan, MRR 5000)`);
    // Rendered when sent, from the account's newest snapshot then (the events after the failed payment may still be in flight).
    expect(mail.text).toMatch(/Health: \d+ \((red|yellow|green)\), segment (at_risk|stable|loyal)/);
    expect(mail.text).toMatch(/Churn risk: \d+%, lifecycle stage /);
    expect(mail.text).toContain('Owner CSM: csm-ana');
    expect(mail.text).toContain('Started by: alert rule payment_failed (playbook Payment recovery, run run_');
    const { rows } = await stack.db.query<{ id: string }>(
      `SELECT d.id FROM playbook.deliveries d JOIN playbook.runs r ON r.id = d.run_id WHERE r.account_id = $1 AND r.playbook_id = 'payment-recovery' AND d.kind = 'email'`,
      [troubledAccount],
    );
    expect(rows).toHaveLength(1);
    expect(mail.messageId).toBe(deliveryMessageId(rows[0]?.id ?? '', EMAIL_FROM));
    await waitFor(async () => (await stack.db.query(`SELECT 1 FROM playbook.deliveries WHERE id = $1 AND status = 'delivered' AND attempts = 1`, [rows[0]?.id])).rowCount === 1, {
      timeoutMs: 5000,
      description: 'the delivery recorded as delivered at its first attempt',
    });
  });

  it("sends the payment recovery email to the owner CSM's address once the admin directory API gives them one (issue 18 §4)", async () => {
    // The CSM is in a team of their own, so a manager key of that team shows when the CSM's record (with the address) has reached playbook.
    const csmId = `csm-${randomUUID().slice(0, 8)}`;
    const team = `t-${csmId}`;
    const address = `${csmId}@acme.example`;
    const admin = await stack.createKey('admin');
    expect((await stack.send('PUT', `/v1/admin/directory/teams/${team}`, admin, { managers: [] })).status).toBe(200);
    const put = await stack.send('PUT', `/v1/admin/directory/csms/${csmId}`, admin, { team, email: address });
    expect([put.status, await put.json()]).toEqual([200, expect.objectContaining({ csmId, team, email: address })]);
    const manager = await stack.createKey('manager', ['--team', team]);
    const csmTasks = () => fetch(`${stack.services.playbook.baseUrl}/v1/queues/csm:${csmId}/tasks`, { headers: { authorization: `Bearer ${manager}` } });
    await waitFor(async () => (await csmTasks()).status === 200, { description: "the CSM's directory record to reach playbook" });

    const accountId = `acct-${randomUUID()}`;
    const response = await stack.post('/v1/events', { events: troubledAccountEvents(accountId, csmId) }, { authorization: `Bearer ${ingestKey}` });
    expect(response.status).toBe(202);
    const subject = `[${accountId}] A payment failed: contact the account`;
    const [{ envelopeTo, mail }] = await waitFor(() => {
      const arrived = mails.filter((entry) => entry.mail.subject === subject);
      return arrived.length > 0 ? arrived : undefined;
    }, { timeoutMs: 30_000, description: "the payment recovery email to the CSM's address" });
    expect(envelopeTo).toEqual([address]);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value : []).toEqual([{ address, name: '' }]);
    expect(mail.text).toContain(`Owner CSM: ${csmId}`);
  });

  it('accepts a full 500 KB batch of 5,000 tiny events on one account, and publishes all of them', async () => {
    // The count cap is 5,000 on every route; enveloped for Kafka, these events pass the broker's
    // 1 MiB record-batch limit for one partition, so ingestion must split its sends.
    const accountId = `tiny-${randomUUID().slice(0, 19)}`;
    const run = randomUUID().slice(0, 4);
    const events = Array.from({ length: 5000 }, (_, n) => ({ id: `${run}${n.toString(36)}`, type: 'a', accountId, timestamp: `${daysAgo(0).slice(0, 19)}Z` }));
    const body = JSON.stringify({ events });
    expect(body.length).toBeGreaterThan(500_000);
    const response = await stack.post('/v1/events', body, { authorization: `Bearer ${ingestKey}` });
    expect([response.status, await response.json()]).toEqual([202, { accepted: 5000, duplicates: 0 }]);
    await waitFor(() => (stack.records(Topics.events, accountId).length >= 5000 ? true : undefined), { description: '5,000 events on bellwether.events.v1', timeoutMs: 60_000 });
    expect(stack.records(Topics.events, accountId)).toHaveLength(5000);
  });

  describe('the 360 view and score history (scoring read API)', () => {
    const scoringGet = (path: string, key?: string) =>
      fetch(`${stack.services.scoring.baseUrl}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    /** Keys reach scoring through bellwether.api-keys.v1; wait until this one has arrived. */
    const keyFor = async (scopes: string, extra: string[] = []) => {
      const key = await stack.createKey(scopes, extra);
      await waitFor(async () => (await scoringGet('/v1/accounts/none', key)).status !== 401, { description: `the ${scopes} key to reach scoring` });
      return key;
    };

    it('shows scores with drivers, signals, the open alert and the active playbook run', async () => {
      const integrator = await keyFor('integrator');
      const view = await waitFor(
        async () => {
          const body = (await (await scoringGet(`/v1/accounts/${troubledAccount}`, integrator)).json()) as {
            scores: { band: string };
            openAlerts: { rule: string }[];
            activePlaybookRuns: { playbookId: string }[];
          };
          return body.openAlerts?.length > 0 && body.activePlaybookRuns?.length > 0 ? body : undefined;
        },
        { description: 'the alert and run in the 360 view' },
      );
      expect(view).toMatchObject({ accountId: troubledAccount, attributes: { csmId: 'csm-ana', seats: 10 }, scores: { band: 'red' } });
      expect(view.openAlerts.map((alert) => alert.rule)).toContain('health_entered_red');
      expect(view.activePlaybookRuns.map((run) => run.playbookId)).toContain('value-rediscovery');
      const history = (await (await scoringGet(`/v1/accounts/${troubledAccount}/scores`, integrator)).json()) as { scores: { band: string }[] };
      expect(history.scores.at(-1)?.band).toBe('red');
      expect((await scoringGet(`/v1/accounts/${troubledAccount}/scores?from=yesterday`, integrator)).status).toBe(400);
    });

    it('lets a CSM see only their own accounts, and a manager only their team’s', async () => {
      const owner = await keyFor('csm', ['--csm-id', 'csm-ana']);
      const otherCsm = await keyFor('csm', ['--csm-id', 'csm-zed']);
      const emeaManager = await keyFor('manager', ['--team', 'emea']);
      const apacManager = await keyFor('manager', ['--team', 'apac']);
      const ingest = await keyFor('ingest');
      // Team membership is directory data (issue 13); it reaches scoring over bellwether.directory.v1.
      await stack.putDirectory(await stack.createKey('admin'), { emea: ['csm-ana'], apac: ['csm-zed'] });
      await waitFor(async () => (await scoringGet(`/v1/accounts/${troubledAccount}`, emeaManager)).status === 200, { description: 'the directory to reach scoring' });
      expect((await scoringGet(`/v1/accounts/${troubledAccount}`, owner)).status).toBe(200);
      expect((await scoringGet(`/v1/accounts/${troubledAccount}`, otherCsm)).status).toBe(404);
      expect((await scoringGet(`/v1/accounts/${troubledAccount}/scores`, otherCsm)).status).toBe(404);
      expect((await scoringGet(`/v1/accounts/${troubledAccount}`, emeaManager)).status).toBe(200);
      expect((await scoringGet(`/v1/accounts/${troubledAccount}`, apacManager)).status).toBe(404);
      expect((await scoringGet(`/v1/accounts/${troubledAccount}`, ingest)).status).toBe(403);
      expect((await scoringGet(`/v1/accounts/${troubledAccount}`)).status).toBe(401);
    });
  });

  it('publishes a retried batch once: the second post counts duplicates and adds nothing', async () => {
    const accountId = `acct-${randomUUID()}`;
    const batch = { events: [{ id: `evt_${randomUUID()}`, type: 'session.started', accountId, userId: 'u1', timestamp: daysAgo(0) }] };
    const first = await stack.post('/v1/events', batch, { authorization: `Bearer ${ingestKey}` });
    const second = await stack.post('/v1/events', batch, { authorization: `Bearer ${ingestKey}` });
    expect(await first.json()).toEqual({ accepted: 1, duplicates: 0 });
    expect(await second.json()).toEqual({ accepted: 0, duplicates: 1 });
    // A later, distinct event on the same key (same partition, so in order) proves the first was the only copy.
    const marker = { id: `evt_${randomUUID()}`, type: 'session.started', accountId, userId: 'u1', timestamp: daysAgo(0) };
    await stack.post('/v1/events', { events: [marker] }, { authorization: `Bearer ${ingestKey}` });
    await stack.waitForRecord(Topics.events, 'the marker event', (value) => value['id'] === marker.id);
    expect(stack.records(Topics.events, accountId).filter((record) => (record.value as { id: string }).id === batch.events[0]?.id)).toHaveLength(1);
  });

  describe('portfolio KPIs (playbook service)', () => {
    it('computes churn, NPS, alert volume and playbook outcomes from what flowed through', async () => {
      const manager = await stack.createKey('manager', ['--team', 'emea']);
      const csm = await stack.createKey('csm', ['--csm-id', 'csm-kpi']);
      const kpis = (key: string, query = '') => fetch(`${stack.services.playbook.baseUrl}/v1/portfolio/kpis${query}`, { headers: { authorization: `Bearer ${key}` } });
      await waitFor(async () => (await kpis(manager)).status === 200, { description: 'the manager key to reach playbook' });
      const churning = `acct-${randomUUID()}`;
      const at = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
      const post = await stack.post(
        '/v1/events',
        {
          events: [
            { id: `evt_${randomUUID()}`, type: 'subscription.changed', accountId: churning, timestamp: at(40), properties: { plan: 'pro', seats: 5, mrr: 1200, startDate: at(400) } },
            { id: `evt_${randomUUID()}`, type: 'nps.responded', accountId: churning, timestamp: at(5), properties: { score: 10 } },
            { id: `evt_${randomUUID()}`, type: 'account.churned', accountId: churning, timestamp: at(2), properties: { reason: 'budget' } },
          ],
        },
        { authorization: `Bearer ${ingestKey}` },
      );
      expect(post.status).toBe(202);
      const body = await waitFor(
        async () => {
          const result = (await (await kpis(manager)).json()) as { churn: { logo: { value: number | null; n: number } }; nps: { overall: { n: number } } };
          return result.churn?.logo?.value !== null && result.churn?.logo?.value !== undefined && result.churn.logo.value > 0 ? result : undefined;
        },
        { description: 'the churn to show in the KPIs' },
      );
      const text = JSON.stringify(body);
      expect(text).toContain('health_entered_red');
      expect(text).toContain('value-rediscovery');
      expect((await kpis(csm)).status).toBe(403);
      expect((await kpis(manager, '?segment=gold')).status).toBe(400);
      expect((await kpis(manager, '?from=2026-05-01T00:00:00Z&to=2026-04-01T00:00:00Z')).status).toBe(400);
    });

    it('counts a seat cut sent as subscription.changed plus account.contracted once: lost MRR 3600, GRR 0.64, not 3900 and 0.61 (issue 18)', async () => {
      const manager = await stack.createKey('manager', ['--team', 'emea']);
      const now = Date.now();
      const at = (days: number, hours = 0) => new Date(now - days * 86_400_000 + hours * 3_600_000).toISOString();
      // A period of its own, 100 to 70 days ago: no other test's revenue falls in it or in the week after it.
      const from = at(100);
      const to = at(70);
      const seatCut = `acct-cut-${randomUUID()}`;
      const churner = `acct-churn-${randomUUID()}`;
      const event = (accountId: string, type: string, timestamp: string, properties: Record<string, unknown> = {}) => ({ id: `evt_${randomUUID()}`, type, accountId, timestamp, properties });
      // 6700 + 3300 at the start of the period. The seat cut (20 → 16 seats at 335) takes 300 off the first,
      // told twice: by billing (the new level) and, 6 h later, by the CRM (the delta), which arrives first.
      // The second account churns. Lost MRR once: 300 + 3300 = 3600 of 10,000, GRR 0.64.
      const revenue = await stack.post(
        '/v1/events',
        {
          events: [
            event(seatCut, 'subscription.changed', at(130), { plan: 'pro', seats: 20, mrr: 6700, startDate: at(130).slice(0, 10) }),
            event(churner, 'subscription.changed', at(130), { plan: 'pro', seats: 10, mrr: 3300, startDate: at(130).slice(0, 10) }),
            event(seatCut, 'account.contracted', at(85, 6), { mrrDelta: -300 }),
            event(seatCut, 'subscription.changed', at(85), { plan: 'pro', seats: 16, mrr: 6400 }),
            event(churner, 'account.churned', at(80), { reason: 'budget' }),
          ],
        },
        { authorization: `Bearer ${ingestKey}` },
      );
      expect(revenue.status).toBe(202);
      // One NPS answer per account, sent after: it lands behind that account's revenue events on their
      // partition, so once both show in the period every revenue event is in the KPI read model.
      const markers = await stack.post('/v1/events', { events: [event(seatCut, 'nps.responded', at(75), { score: 9 }), event(churner, 'nps.responded', at(75), { score: 9 })] }, { authorization: `Bearer ${ingestKey}` });
      expect(markers.status).toBe(202);

      type Kpis = { grr: { value: number | null; n: number }; nrr: { value: number | null }; churn: { revenue: { lost: number; base: number } }; nps: { overall: { n: number } } };
      const query = `?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
      const body = await waitFor(
        async () => {
          const response = await fetch(`${stack.services.playbook.baseUrl}/v1/portfolio/kpis${query}`, { headers: { authorization: `Bearer ${manager}` } });
          const result = (await response.json()) as Kpis;
          return response.status === 200 && result.nps.overall.n === 2 ? result : undefined;
        },
        { description: 'both accounts’ events in the KPIs of the period' },
      );
      expect(body.churn.revenue).toMatchObject({ lost: 3600, base: 10_000 });
      expect(body.grr).toEqual({ value: 0.64, n: 2 });
      expect(body.nrr.value).toBe(0.64);
    });
  });

  describe('account economics: CAC and gross margin from the admin API reach LTV/CAC (issue 18)', () => {
    it('PATCHed CAC and margin give the hand-computed LTV/CAC overall and per cohort; an ingest key’s CAC and margin change nothing', async () => {
      const admin = await stack.createKey('admin');
      const manager = await stack.createKey('manager', ['--team', 'emea']);
      // A plain write key (no accounts:write): ordinary telemetry.
      const telemetryKey = await stack.createKey('ingest');
      const now = Date.now();
      const at = (days: number) => new Date(now - days * 86_400_000).toISOString();
      // A period of its own, exactly one month long (30.4375 days, the KPIs' month), so rates need no conversion:
      // no other test's revenue falls before its end plus the week read after it.
      const from = at(300);
      const to = new Date(Date.parse(from) + 30.4375 * 86_400_000).toISOString();
      const run = randomUUID().slice(0, 8);
      const [a1, a2, a3] = ['a1', 'a2', 'a3'].map((name) => `acct-econ-${name}-${run}`) as [string, string, string];
      const event = (accountId: string, type: string, timestamp: string, properties: Record<string, unknown> = {}) => ({ id: `evt_${randomUUID()}`, type, accountId, timestamp, properties });
      // Three paying accounts at the period's start; a3 churns in it. a1 and a3 share a cohort (contract month), a2 has its own.
      const revenue = await stack.post(
        '/v1/events',
        {
          events: [
            event(a1, 'subscription.changed', at(320), { plan: 'pro', seats: 10, mrr: 1000, startDate: at(330) }),
            event(a2, 'subscription.changed', at(320), { plan: 'pro', seats: 30, mrr: 3000, startDate: at(400) }),
            event(a3, 'subscription.changed', at(320), { plan: 'pro', seats: 10, mrr: 1000, startDate: at(330) }),
            event(a3, 'account.churned', at(290), { reason: 'budget' }),
            // a1 and a2 leave long after the period (past the week read after it), so they are no paying
            // customers in any other test's period, whatever order the tests run in.
            event(a1, 'account.churned', at(200), { reason: 'test over' }),
            event(a2, 'account.churned', at(200), { reason: 'test over' }),
          ],
        },
        { authorization: `Bearer ${ingestKey}` },
      );
      expect(revenue.status).toBe(202);
      const patched1 = await stack.send('PATCH', `/v1/admin/accounts/${a1}`, admin, { cacUsd: 6000, grossMarginPct: 0.75 });
      expect(patched1.status).toBe(200);
      expect(await patched1.json()).toMatchObject({ accountId: a1, cacUsd: 6000, grossMarginPct: 0.75 });
      expect((await stack.send('PATCH', `/v1/admin/accounts/${a2}`, admin, { cacUsd: 12000, grossMarginPct: 0.6 })).status).toBe(200);
      expect(await (await stack.send('GET', `/v1/admin/accounts/${a2}`, admin)).json()).toMatchObject({ cacUsd: 12000, grossMarginPct: 0.6 });

      type Ltv = { value: number | null; n: number; grossMargin: number; ltvToCac: { value: number | null; n: number; averageCacUsd: number | null } };
      type Kpis = { ltv: { overall: Ltv; byCohort: (Ltv & { cohort: string })[] }; ltvToCac: { value: number | null; n: number; averageCacUsd: number | null }; churn: { logo: { lost: number; base: number } }; nps: { overall: { n: number } } };
      const kpis = async (): Promise<Kpis | undefined> => {
        const response = await fetch(`${stack.services.playbook.baseUrl}/v1/portfolio/kpis?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, { headers: { authorization: `Bearer ${manager}` } });
        return response.status === 200 ? ((await response.json()) as Kpis) : undefined;
      };
      const body = await waitFor(
        async () => {
          const result = await kpis();
          return result && result.ltvToCac.n === 2 && result.churn.logo.base === 3 && result.churn.logo.lost === 1 ? result : undefined;
        },
        { description: 'the revenue and both accounts’ CAC in the KPIs of the period' },
      );
      // By hand: ARPA (1000 + 3000) / 2 = 2000; margin weighted by MRR (1000 × 0.75 + 3000 × 0.6) / 4000 = 0.6375;
      // monthly logo churn 1 / 3 → lifetime 3 months; LTV 2000 × 0.6375 × 3 = 3825; average CAC (6000 + 12000) / 2 = 9000.
      expect(body.ltv.overall.value).toBeCloseTo(3825, 9);
      expect(body.ltvToCac.averageCacUsd).toBe(9000);
      expect(body.ltvToCac.value).toBeCloseTo(3825 / 9000, 12);
      // Per cohort: a1 + a3 churn 1 / 2 → 2 months, 1000 × 0.75 × 2 / 6000 = 0.25; a2 no churn → the 120-month cap, 3000 × 0.6 × 120 / 12,000 = 18.
      const cohorts = Object.fromEntries(body.ltv.byCohort.map((cohort) => [cohort.cohort, cohort.ltvToCac]));
      expect(cohorts[at(330).slice(0, 7)]?.value).toBeCloseTo(0.25, 12);
      expect(cohorts[at(330).slice(0, 7)]?.n).toBe(1);
      expect(cohorts[at(400).slice(0, 7)]?.value).toBeCloseTo(18, 9);

      // Telemetry cannot move it: an ordinary write key's CAC and margin are dropped, with a warning naming each.
      const forged = await stack.post(
        '/v1/events',
        { events: [event(a1, 'account.updated', at(295), { traits: { cacUsd: 1, grossMarginPct: 0.01 } }), event(a2, 'account.updated', at(295), { traits: { cacUsd: 1 } })] },
        { authorization: `Bearer ${telemetryKey}` },
      );
      expect(forged.status).toBe(202);
      expect(((await forged.json()) as { warnings: { path: string }[] }).warnings.map((warning) => warning.path)).toEqual([
        'properties.traits.cacUsd',
        'properties.traits.grossMarginPct',
        'properties.traits.cacUsd',
      ]);
      // A trusted key's margin of 80 (a percentage, not a fraction) cannot be applied: dropped with a warning, not silently.
      const percent = await stack.post('/v1/events', { events: [event(a1, 'account.updated', at(295), { traits: { grossMarginPct: 80 } })] }, { authorization: `Bearer ${admin}` });
      expect(percent.status).toBe(202);
      expect(((await percent.json()) as { warnings: { path: string; message: string }[] }).warnings).toEqual([
        expect.objectContaining({ index: 0, path: 'properties.traits.grossMarginPct', message: expect.stringContaining('must be a fraction in [0, 1]') }),
      ]);
      // One NPS answer per account after it, on the same partition: once both show, the forged events were projected.
      const markers = await stack.post('/v1/events', { events: [event(a1, 'nps.responded', at(294), { score: 9 }), event(a2, 'nps.responded', at(294), { score: 9 })] }, { authorization: `Bearer ${telemetryKey}` });
      expect(markers.status).toBe(202);
      const after = await waitFor(
        async () => {
          const result = await kpis();
          return result && result.nps.overall.n === 2 ? result : undefined;
        },
        { description: 'the answers after the forged events in the KPIs of the period' },
      );
      expect(after.ltvToCac).toEqual(body.ltvToCac);
      expect(after.ltv.overall.grossMargin).toBe(body.ltv.overall.grossMargin);
    });
  });

  describe('bad input', () => {
    it('rejects a malformed batch whole with 400, listing every problem, and publishes none of it', async () => {
      const accountId = `acct-${randomUUID()}`;
      const good = { id: `evt_${randomUUID()}`, type: 'session.started', accountId, timestamp: daysAgo(0) };
      const response = await stack.post(
        '/v1/events',
        { events: [good, { id: 'b1', type: 'feature.used', accountId, timestamp: 'not-a-time' }, { id: 'b2', type: 'feature.used', timestamp: daysAgo(0) }] },
        { authorization: `Bearer ${ingestKey}` },
      );
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        errors: [
          { index: 1, path: 'timestamp', message: 'must match format "date-time"' },
          { index: 2, path: 'accountId', message: 'is required' },
        ],
      });
      const marker = { id: `evt_${randomUUID()}`, type: 'session.started', accountId, timestamp: daysAgo(0) };
      expect((await stack.post('/v1/events', { events: [marker] }, { authorization: `Bearer ${ingestKey}` })).status).toBe(202);
      await stack.waitForRecord(Topics.events, 'the marker event', (value) => value['id'] === marker.id);
      expect(stack.records(Topics.events, accountId).map((record) => (record.value as { id: string }).id)).toEqual([marker.id]);
    });

    it('answers 401 without a key and with an unknown key', async () => {
      const batch = { events: [{ id: 'x', type: 'session.started', accountId: 'a', timestamp: daysAgo(0) }] };
      const missing = await stack.post('/v1/events', batch);
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toContain('Bearer');
      const unknown = await stack.post('/v1/events', batch, { authorization: 'Bearer bwk_AAAAAAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
      expect(unknown.status).toBe(401);
      const garbage = await stack.post('/v1/events', batch, { authorization: 'Bearer not-a-key' });
      expect(garbage.status).toBe(401);
    });

    it('answers 403 for a key without the ingest scope, and 401 once a key is revoked', async () => {
      const batch = { events: [{ id: `evt_${randomUUID()}`, type: 'session.started', accountId: 'a', timestamp: daysAgo(0) }] };
      const integratorKey = await stack.createKey('integrator');
      expect((await stack.post('/v1/events', batch, { authorization: `Bearer ${integratorKey}` })).status).toBe(403);
      const doomedKey = await stack.createKey('ingest');
      expect((await stack.post('/v1/events', batch, { authorization: `Bearer ${doomedKey}` })).status).toBe(202);
      await stack.revokeKey(doomedKey);
      expect((await stack.post('/v1/events', batch, { authorization: `Bearer ${doomedKey}` })).status).toBe(401);
    });

    it.each([
      ['malformed JSON', '{"events": [', 'application/json', 400],
      ['an empty body', '', 'application/json', 400],
      ['a form body', 'events=1', 'application/x-www-form-urlencoded', 415],
      ['a text/plain body that is not JSON', 'hello', 'text/plain', 400],
      ['a __proto__ key', '{"events":[],"__proto__":{"admin":true}}', 'application/json', 400],
    ])('answers %s with a clear 4xx', async (_, body, contentType, status) => {
      const response = await stack.post('/v1/events', body, { authorization: `Bearer ${ingestKey}`, 'content-type': contentType });
      expect(response.status).toBe(status);
      const payload = (await response.json()) as { errors: { message: string }[] };
      expect(payload.errors[0]?.message.length).toBeGreaterThan(0);
    });

    it('answers 413 for a body over the limit, and the client always reads it', async () => {
      // Sent with a Content-Length far over the limit and several times the socket buffers, so the
      // client is still writing when the server has decided: the server must read the body to the
      // end before answering, or the client sees EPIPE/ECONNRESET instead of the 413 (and an SDK
      // retries the batch forever).
      const huge = Buffer.from(JSON.stringify({ events: [{ id: 'big', type: 'session.started', accountId: 'a', timestamp: daysAgo(0), properties: { blob: 'x'.repeat(3_000_000) } }] }));
      for (let attempt = 0; attempt < 10; attempt += 1) {
        const response = await stack.postRaw('/v1/events', huge, { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' });
        expect([attempt, response.status, JSON.parse(response.text)]).toEqual([attempt, 413, { errors: [{ path: '', message: 'request body is larger than the limit of 512000 bytes' }] }]);
      }
    });
  });

  it('every service reports ready with its dependencies', async () => {
    for (const service of Object.values(stack.services)) {
      const body = await waitFor(
        async () => {
          const response = await fetch(`${service.baseUrl}/readyz`);
          return response.status === 200 ? ((await response.json()) as { checks: Record<string, { ok: boolean }> }) : undefined;
        },
        { description: `${service.name} ready` },
      );
      expect(Object.values(body.checks).every((check) => check.ok)).toBe(true);
    }
  });
});
