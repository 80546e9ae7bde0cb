import { randomUUID } from 'node:crypto';
import { Topics, type AlertLifecycleEvent } from '@bellwether/contracts';
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
});
