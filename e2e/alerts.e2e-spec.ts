import { randomUUID } from 'node:crypto';
import { defaultRuleSet, type RuleSet } from '@bellwether/alerting-domain';
import { Topics, type AlertLifecycleEvent, type ScoreChanged } from '@bellwether/contracts';
import { waitFor } from '@bellwether/testing';
import { Stack } from './stack';

const daysAgo = (days: number): string => new Date(Date.now() - days * 86_400_000).toISOString();
/** Earlier today: `hours` hours ago (never in the future, which ingestion refuses). */
const hoursAgo = (hours: number): string => new Date(Date.now() - hours * 3_600_000).toISOString();

/** A well-used, owned, 10-seat account: green. */
function healthy(accountId: string, csmId: string) {
  const event = (type: string, timestamp: string, properties: Record<string, unknown> = {}, userId = 'u1') => ({ id: `evt_${randomUUID()}`, type, accountId, userId, timestamp, properties });
  const events = [
    event('subscription.changed', hoursAgo(10), { plan: 'pro', seats: 10, mrr: 3000, startDate: daysAgo(300) }),
    event('account.updated', hoursAgo(10), { traits: { csmId } }),
  ];
  for (let day = 20; day >= 1; day -= 1) {
    for (let user = 0; user < 7; user += 1) events.push(event('feature.used', daysAgo(day), { feature: ['reports', 'dashboards', 'integrations', 'automation'][user % 4] }, `u${user}`));
  }
  return events;
}

describe('alerts from real events', () => {
  const stack = new Stack(4600);
  let ingest = '';
  const post = async (events: unknown[]) => expect((await stack.post('/v1/events', { events }, { authorization: `Bearer ${ingest}` })).status).toBe(202);
  const alertsOf = (accountId: string) => stack.records(Topics.alerts, accountId).map((record) => record.value as AlertLifecycleEvent);
  const event = (accountId: string, type: string, properties: Record<string, unknown> = {}, timestamp = hoursAgo(6)) => ({ id: `evt_${randomUUID()}`, type, accountId, userId: 'u1', timestamp, properties });

  beforeAll(async () => {
    await stack.start();
    // Its events set owners (csmId): a trusted source, as a CRM sync would be.
    ingest = await stack.createKey('ingest,accounts:write');
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('green to red: one alert per trigger in the owner’s queue, and no expansion alert while at risk', async () => {
    const accountId = `g2r-${randomUUID()}`;
    await post(healthy(accountId, 'csm-gina'));
    await stack.waitForRecord(Topics.scores, 'a green score', (value) => value['accountId'] === accountId && (value['after'] as { band: string }).band === 'green');
    expect(alertsOf(accountId).filter((alert) => alert.category === 'risk')).toEqual([]);

    await post([
      ...Array.from({ length: 5 }, (_, n) => event(accountId, 'support.ticket_opened', { ticketId: `t${n}`, topic: 'sync', severity: 'high' })),
      event(accountId, 'billing.payment_failed'),
      event(accountId, 'nps.responded', { score: 1, comment: 'we are leaving' }),
    ]);
    await stack.waitForRecord(Topics.alerts, 'a risk alert', (value) => value['accountId'] === accountId && value['category'] === 'risk');
    // The account is at risk now; pricing-page interest would be an expansion signal, and must be held back.
    await post(Array.from({ length: 4 }, (_, n) => event(accountId, 'page.viewed', { path: '/pricing' }, hoursAgo(5 - n))));
    const marker = event(accountId, 'session.started', {}, hoursAgo(1));
    await post([marker]);
    await waitFor(async () => (await stack.db.query('SELECT 1 FROM scoring.processed_events WHERE event_id = $1', [marker.id])).rowCount === 1, { description: 'the marker scored' });
    await waitFor(async () => (await stack.db.query(`SELECT count(*)::int AS n FROM scoring.outbox WHERE key = $1 AND published_at IS NULL`, [accountId])).rows[0].n === 0, { description: 'scores published' });
    await waitFor(async () => (await stack.db.query(`SELECT count(*)::int AS n FROM alerting.outbox WHERE published_at IS NULL`)).rows[0].n === 0, { description: 'alerts published' });

    const alerts = alertsOf(accountId);
    const opened = alerts.filter((alert) => alert.kind === 'opened');
    const perRule = new Map<string, number>();
    for (const alert of opened) perRule.set(alert.rule, (perRule.get(alert.rule) ?? 0) + 1);
    expect([...perRule.values()].every((count) => count === 1)).toBe(true);
    expect(opened.every((alert) => alert.queue === 'csm:csm-gina')).toBe(true);
    expect(opened.some((alert) => alert.category === 'risk')).toBe(true);
    // Expansion alerts from its green days may exist; none opened once it was at risk.
    const firstRisk = alerts.findIndex((alert) => alert.category === 'risk');
    expect(alerts.slice(firstRisk).filter((alert) => alert.kind === 'opened' && alert.category === 'expansion')).toEqual([]);
    expect(opened.map((alert) => alert.rule)).not.toContain('pricing_page_interest');
  });

  it('a healthy account showing pricing interest gets an expansion alert that says why now', async () => {
    const accountId = `exp-${randomUUID()}`;
    await post(healthy(accountId, 'csm-ivan'));
    await post(Array.from({ length: 4 }, (_, n) => event(accountId, 'page.viewed', { path: '/pricing' }, hoursAgo(5 - n))));
    const alert = await stack.waitForRecord(Topics.alerts, 'the pricing interest alert', (value) => value['accountId'] === accountId && value['rule'] === 'pricing_page_interest');
    const value = alert.value as AlertLifecycleEvent;
    expect(value).toMatchObject({ kind: 'opened', category: 'expansion', queue: 'csm:csm-ivan' });
    expect(value.evidence.join(' ')).toMatch(/why now/i);
  });

  it('an NPS 3 opens the detractor closed loop: a 48-hour call task in the owner’s queue', async () => {
    const accountId = `nps-${randomUUID()}`;
    await post(healthy(accountId, 'csm-nora'));
    await post([event(accountId, 'nps.responded', { score: 3, comment: 'support is slow' })]);
    const alert = await stack.waitForRecord(Topics.alerts, 'the detractor alert', (value) => value['accountId'] === accountId && value['rule'] === 'nps_detractor');
    expect((alert.value as AlertLifecycleEvent).evidence.join(' ')).toMatch(/support is slow/);
    const nora = await stack.createKey('csm', ['--csm-id', 'csm-nora']);
    const tasks = await waitFor(
      async () => {
        const response = await fetch(`${stack.services.playbook.baseUrl}/v1/queues/csm:csm-nora/tasks`, { headers: { authorization: `Bearer ${nora}` } });
        if (response.status !== 200) return undefined;
        const body = (await response.json()) as { tasks: { accountId: string; title: string; dueAt: string; taskId: string }[] };
        const mine = body.tasks.filter((task) => task.accountId === accountId);
        return mine.length > 0 ? mine : undefined;
      },
      { description: 'the closed-loop task in the owner’s queue', timeoutMs: 30_000 },
    );
    const call = tasks.find((task) => /48/.test(task.title));
    expect(call?.title).toBe('CSM call within 48 h');
    const hoursToDue = (Date.parse(call?.dueAt ?? '') - Date.now()) / 3_600_000;
    expect(hoursToDue).toBeLessThanOrEqual(48.5);
    const done = await fetch(`${stack.services.playbook.baseUrl}/v1/tasks/${encodeURIComponent(call?.taskId ?? '')}/complete`, {
      method: 'POST',
      headers: { authorization: `Bearer ${nora}`, 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'Called; root cause: slow support.' }),
    });
    expect(done.status).toBe(200);
  });

  // Last in this file: it changes the rule set in force, and its rollback restores the default.
  it('a rule set activated through the admin API changes which incidents open and is recorded on the alert; a rollback restores the default (issue 18 §1)', async () => {
    const admin = await stack.createKey('admin');
    const alerting = stack.services.alerting.baseUrl;
    const api = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${alerting}${path}`, {
        method,
        headers: { authorization: `Bearer ${admin}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    /** Resolves once alerting's readiness says `version` is in force (readiness costs no admin rate limit). */
    const inForce = (version: string) =>
      waitFor(async () => ((await (await fetch(`${alerting}/readyz`)).json()) as { checks: Record<string, { detail?: string }> }).checks['rule-sets']?.detail === `in force: ${version}`, {
        description: `alerting to read rule set ${version} from bellwether.config-activations.v1`,
      });
    /** A new account's subscription and NPS answer, now (after the activation's effectiveFrom, the watermark). */
    const answers = async (nps: number): Promise<string> => {
      const accountId = `rules-${nps}-${randomUUID()}`;
      const now = new Date().toISOString();
      await post([event(accountId, 'subscription.changed', { seats: 10, mrr: 4000 }, now), event(accountId, 'nps.responded', { score: nps }, now)]);
      return accountId;
    };
    const detractorAlert = async (accountId: string) =>
      (await stack.waitForRecord(Topics.alerts, `the detractor alert of ${accountId}`, (value) => value['accountId'] === accountId && value['rule'] === 'nps_detractor' && value['kind'] === 'opened'))
        .value as AlertLifecycleEvent;
    const incidentRules = async (accountId: string): Promise<string[]> =>
      ((await stack.db.query('SELECT rule_ids FROM alerting.incidents WHERE account_id = $1', [accountId])).rows as { rule_ids: string[] }[]).flatMap((row) => row.rule_ids);
    await waitFor(async () => (await api('GET', '/v1/admin/rule-sets')).status === 200, { description: 'the admin key to reach alerting' });

    // Detractors only at NPS 2 or less.
    const strict: RuleSet = { version: 'rs-e2e-2', rules: defaultRuleSet.rules.map((rule) => (rule.id === 'nps_detractor' ? { ...rule, params: { ...rule.params, maxScore: 2 } } : rule)) };
    expect((await api('POST', '/v1/admin/rule-sets', strict)).status).toBe(201);
    const activated = await api('POST', '/v1/admin/rule-sets/rs-e2e-2/activate');
    expect([activated.status, activated.body['status']]).toEqual([200, 'active']);
    await inForce('rs-e2e-2');

    const passive = await answers(3);
    const detractor = await answers(1);
    const opened = await detractorAlert(detractor);
    expect(opened.ruleSetVersion).toBe('rs-e2e-2');
    expect(await incidentRules(detractor)).toContain('nps_detractor');
    // Every score change of the NPS-3 account evaluated: no detractor alert, no incident for it.
    await waitFor(async () => (await stack.db.query(`SELECT count(*)::int AS n FROM scoring.outbox WHERE key = $1 AND published_at IS NULL`, [passive])).rows[0].n === 0, { description: 'scores published' });
    const changeIds = await waitFor(() => {
      const ids = stack.records(Topics.scores, passive).map((record) => (record.value as ScoreChanged).changeId);
      return ids.length > 0 ? ids : undefined;
    }, { description: 'the NPS-3 account scored' });
    await waitFor(async () => (await stack.db.query('SELECT count(*)::int AS n FROM alerting.processed_changes WHERE change_id = ANY($1::text[])', [changeIds])).rows[0].n === changeIds.length, {
      description: 'alerting to evaluate the NPS-3 account',
    });
    expect(alertsOf(passive).filter((alert) => alert.rule === 'nps_detractor')).toEqual([]);
    expect(await incidentRules(passive)).not.toContain('nps_detractor');

    const rolledBack = await api('POST', '/v1/admin/rule-sets/rollback');
    expect([rolledBack.status, rolledBack.body['version']]).toEqual([200, defaultRuleSet.version]);
    await inForce(defaultRuleSet.version);
    const again = await answers(3);
    expect((await detractorAlert(again)).ruleSetVersion).toBe(defaultRuleSet.version);
    expect(await incidentRules(again)).toContain('nps_detractor');

    const audit = (await api('GET', '/v1/admin/audit?limit=3')).body['entries'] as { action: string; subject: string }[];
    expect(audit.map((entry) => [entry.action, entry.subject])).toEqual([
      ['rule-set.rollback', `rule-set:${defaultRuleSet.version}`],
      ['rule-set.activate', 'rule-set:rs-e2e-2'],
      ['rule-set.create', 'rule-set:rs-e2e-2'],
    ]);
  });
});
