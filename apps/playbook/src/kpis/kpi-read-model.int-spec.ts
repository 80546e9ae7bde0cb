import type { DataSource } from 'typeorm';
import type { AlertLifecycleEvent, AlertLifecycleKind, JsonObject, TelemetryEvent } from '@bellwether/contracts';
import { createServiceDataSource, migrate } from '@bellwether/platform';
import { alertLifecycleEvent, observedManager, SeededRandom, statementsOf, telemetryEvent, testEnvironment } from '@bellwether/testing';
import { computePortfolioKpis } from '@bellwether/kpi-domain';
import { PLAYBOOK_SCHEMA, playbookMigrations } from '../migrations';
import { KpiReadModelRepository, type KpiReadModels } from './kpi-read-model.repository';
import { portfolioKpiInput } from './portfolio-kpi-input';

// The set-based KPI projections on a real Postgres: one statement per batch whatever its size, the
// same read models as projecting record by record, and a re-read (a new consumer group reading the
// topic from the beginning) changes nothing.

const dataSource: DataSource = createServiceDataSource({ url: testEnvironment.databaseUrl, schema: PLAYBOOK_SCHEMA, entities: [], migrations: playbookMigrations, applicationName: 'kpi-it', poolSize: 2 });
const kpis = new KpiReadModelRepository();
const MILESTONES = ['account_setup', 'data_connected', 'first_report', 'team_invited', 'extra_step'];

/** Every kind of event the projection reads (and some it ignores), several per account, out of time order now and then. */
function eventsOf(prefix: string, count: number, seed: string): TelemetryEvent[] {
  const random = new SeededRandom(seed);
  const events: TelemetryEvent[] = [];
  for (let n = 0; n < count; n += 1) {
    const accountId = `${prefix}-acc-${random.int(0, 7)}`;
    const timestamp = new Date(Date.parse('2026-03-01T00:00:00.000Z') + random.int(0, 40 * 24) * 3_600_000).toISOString();
    const pick = random.int(0, 6);
    const base = { id: `${prefix}-evt-${n}`, accountId, timestamp };
    if (pick === 0) events.push(telemetryEvent({ ...base, type: 'subscription.changed', properties: { mrr: random.int(100, 900), ...(random.chance(0.5) ? { startDate: `2025-0${random.int(1, 9)}-01` } : {}) } }));
    else if (pick === 1) events.push(telemetryEvent({ ...base, type: random.chance(0.5) ? 'account.expanded' : 'account.contracted', properties: { mrrDelta: random.int(10, 90) } }));
    else if (pick === 2) events.push(telemetryEvent({ ...base, type: 'account.churned' }));
    else if (pick === 3) events.push(telemetryEvent({ ...base, type: 'nps.responded', properties: { score: random.int(-1, 11) } }));
    else if (pick === 4 || pick === 5) events.push(telemetryEvent({ ...base, type: 'onboarding.milestone_completed', properties: { milestone: MILESTONES[random.int(0, MILESTONES.length - 1)] } }));
    else events.push(telemetryEvent({ ...base, type: 'feature_used' }));
  }
  // Account economics (issue 18) from a generator of their own, so the events above stay as they were:
  // trusted and untrusted, set, cleared and invalid, at random places and (hourly) times, ties included.
  const economics = new SeededRandom(`${seed}-economics`);
  const traitChoices: JsonObject[] = [{ cacUsd: 0 }, { grossMarginPct: 0.5 }, { cacUsd: null }, { grossMarginPct: null }, { cacUsd: -5, grossMarginPct: 80 }];
  for (let n = 0; n < Math.ceil(count / 8); n += 1) {
    const pick = economics.int(0, traitChoices.length);
    const traits = traitChoices[pick] ?? { cacUsd: economics.int(1, 20_000), grossMarginPct: economics.int(0, 100) / 100 };
    const event = telemetryEvent({
      id: `${prefix}-econ-${n}`,
      accountId: `${prefix}-acc-${economics.int(0, 7)}`,
      timestamp: new Date(Date.parse('2026-03-01T00:00:00.000Z') + economics.int(0, 40 * 24) * 3_600_000).toISOString(),
      type: 'account.updated',
      properties: { traits },
      ...(economics.chance(0.8) ? { trustedAttributes: true as const } : {}),
    });
    events.splice(economics.int(0, events.length), 0, event);
  }
  return events;
}

function alertStepsOf(prefix: string, count: number, seed: string): AlertLifecycleEvent[] {
  const random = new SeededRandom(seed);
  const kinds: AlertLifecycleKind[] = ['opened', 'updated', 'acknowledged', 'escalated', 'resolved'];
  return Array.from({ length: count }, (_, n) => {
    const alertId = `${prefix}-al-${random.int(0, 9)}`;
    const kind = kinds[random.int(0, kinds.length - 1)] ?? 'opened';
    return alertLifecycleEvent({
      alertId,
      revision: random.int(1, 6),
      eventId: `${alertId}:${n}`,
      accountId: `${prefix}-acc`,
      kind,
      ...(kind === 'resolved' && random.chance(0.5) ? { outcome: 'saved' as const } : {}),
      occurredAt: new Date(Date.parse('2026-03-01T00:00:00.000Z') + n * 3_600_000).toISOString(),
    });
  });
}

/** The read models of the accounts and alerts under `prefix`, with the prefix taken out of their ids. */
async function modelsOf(prefix: string): Promise<unknown> {
  const q = async (sql: string) => JSON.parse(JSON.stringify(await dataSource.query(sql, [`${prefix}-%`])).split(prefix).join('P')) as unknown;
  return {
    accounts: await q(
      'SELECT account_id, contract_start, first_seen, milestones, onboarded_at, cac_usd, cac_usd_at, gross_margin_pct, gross_margin_pct_at FROM playbook.kpi_accounts WHERE account_id LIKE $1 ORDER BY account_id',
    ),
    revenue: await q('SELECT event_id, account_id, at, kind, amount FROM playbook.kpi_revenue WHERE account_id LIKE $1 ORDER BY event_id'),
    nps: await q('SELECT event_id, account_id, at, score FROM playbook.kpi_nps WHERE account_id LIKE $1 ORDER BY event_id'),
    alerts: await q('SELECT alert_id, account_id, rule, category, opened_at, acknowledged_at, resolved_at, outcome, revision FROM playbook.kpi_alerts WHERE account_id LIKE $1 ORDER BY alert_id'),
  };
}

const rename = <T extends object>(items: readonly T[], from: string, to: string): T[] => items.map((item) => JSON.parse(JSON.stringify(item).split(from).join(to)) as T);

describe('KPI projections, set-based, on a real Postgres', () => {
  beforeAll(async () => {
    await dataSource.initialize();
    await migrate(dataSource, PLAYBOOK_SCHEMA);
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  it('projects a batch of 10 or of 600 events in one statement', async () => {
    const run = `kpi-stmt-${Date.now()}`;
    expect(await statementsOf(dataSource, (manager) => kpis.projectEvents(manager, eventsOf(`${run}-s`, 10, 'small')))).toBe(1);
    expect(await statementsOf(dataSource, (manager) => kpis.projectEvents(manager, eventsOf(`${run}-l`, 600, 'large')))).toBe(1);
    expect(await statementsOf(dataSource, (manager) => kpis.projectAlerts(manager, alertStepsOf(`${run}-l`, 300, 'large')))).toBe(1);
  });

  it('leaves the read models as projecting record by record does, and a re-read of the topic changes nothing', async () => {
    const run = `kpi-same-${Date.now()}`;
    const events = eventsOf(`${run}-a`, 400, 'same');
    const steps = alertStepsOf(`${run}-a`, 120, 'same');
    for (const event of events) await dataSource.transaction((manager) => kpis.projectEvents(manager, [event]));
    for (const step of steps) await dataSource.transaction((manager) => kpis.projectAlerts(manager, [step]));

    // The same records under other ids, in batches of 50 (as partitions hand them over), then all of them again.
    const batched = { events: rename(events, `${run}-a`, `${run}-b`), steps: rename(steps, `${run}-a`, `${run}-b`) };
    for (let start = 0; start < batched.events.length; start += 50) await dataSource.transaction((manager) => kpis.projectEvents(manager, batched.events.slice(start, start + 50)));
    for (let start = 0; start < batched.steps.length; start += 50) await dataSource.transaction((manager) => kpis.projectAlerts(manager, batched.steps.slice(start, start + 50)));
    const once = await modelsOf(`${run}-b`);
    expect(once).toEqual(await modelsOf(`${run}-a`));
    expect((once as { accounts: { onboarded_at: string | null }[] }).accounts.some((account) => account.onboarded_at !== null)).toBe(true);
    expect((once as { accounts: { cac_usd_at: string | null }[] }).accounts.some((account) => account.cac_usd_at !== null)).toBe(true);

    await dataSource.transaction((manager) => kpis.projectEvents(manager, batched.events));
    expect(await modelsOf(`${run}-b`)).toEqual(once);
  });

  it('sends usage as one sighting row per account, the earliest, with the first sightings that projecting record by record leaves', async () => {
    const run = `kpi-fold-${Date.now()}`;
    const random = new SeededRandom('fold');
    const usage = Array.from({ length: 300 }, (_, n) =>
      telemetryEvent({
        id: `${run}-b-u-${n}`,
        accountId: `${run}-b-acc-${n % 5}`,
        type: n % 2 === 0 ? 'feature.used' : 'session.started',
        timestamp: new Date(Date.parse('2026-03-01T00:00:00.000Z') + random.int(0, 40 * 24) * 3_600_000).toISOString(),
      }),
    );
    const documents: unknown[][] = [];
    await dataSource.transaction((manager) => kpis.projectEvents(observedManager(manager, (_, parameters) => documents.push(JSON.parse(String(parameters?.[0])) as unknown[])), usage));
    expect(documents.map((document) => document.length)).toEqual([5]);

    for (const event of rename(usage, `${run}-b`, `${run}-a`)) await dataSource.transaction((manager) => kpis.projectEvents(manager, [event]));
    expect(await modelsOf(`${run}-b`)).toEqual(await modelsOf(`${run}-a`));
  });

  it('keeps the contract start of the newest subscription by event time, whichever arrives last or comes last in a batch', async () => {
    const run = `kpi-contract-${Date.now()}`;
    const subscription = (id: string, accountId: string, timestamp: string, startDate: string): TelemetryEvent =>
      telemetryEvent({ id: `${run}-${id}`, accountId: `${run}-${accountId}`, type: 'subscription.changed', timestamp, properties: { mrr: 500, startDate } });
    const contractStartOf = async (accountId: string): Promise<string | undefined> =>
      ((await dataSource.query('SELECT contract_start FROM playbook.kpi_accounts WHERE account_id = $1', [`${run}-${accountId}`])) as { contract_start: Date }[])[0]?.contract_start.toISOString();

    // The renewal (newer event time) first, the original subscription delivered late in a later batch.
    await dataSource.transaction((manager) => kpis.projectEvents(manager, [subscription('late-new', 'late', '2026-03-10T00:00:00.000Z', '2026-03-01')]));
    await dataSource.transaction((manager) => kpis.projectEvents(manager, [subscription('late-old', 'late', '2026-01-05T00:00:00.000Z', '2025-03-01')]));
    expect(await contractStartOf('late')).toBe('2026-03-01T00:00:00.000Z');

    // Both in one batch, the older last in record order.
    await dataSource.transaction((manager) =>
      kpis.projectEvents(manager, [subscription('one-new', 'one', '2026-03-10T00:00:00.000Z', '2026-03-01'), subscription('one-old', 'one', '2026-01-05T00:00:00.000Z', '2025-03-01')]),
    );
    expect(await contractStartOf('one')).toBe('2026-03-01T00:00:00.000Z');

    // A newer subscription still moves it.
    await dataSource.transaction((manager) => kpis.projectEvents(manager, [subscription('later', 'late', '2026-04-02T00:00:00.000Z', '2026-04-01')]));
    expect(await contractStartOf('late')).toBe('2026-04-01T00:00:00.000Z');
  });

  it('counts a seat cut sent as subscription.changed plus account.contracted once, whatever the batching, arrival order or redelivery (issue 18)', async () => {
    const run = `kpi-seatcut-${Date.now()}`;
    const march = { start: '2026-03-01T00:00:00.000Z', end: '2026-04-01T00:00:00.000Z', months: 31 / 30.4375 };
    // 6700 + 3300 at the start of March; the seat cut takes 300 off the first, the second churns:
    // lost 3600 of 10,000, GRR 0.64 (0.61 when the contraction counted twice).
    const eventsOfRun = (prefix: string, cutAt: string, crmAt: string): TelemetryEvent[] => [
      telemetryEvent({ id: `${prefix}-start`, accountId: `${prefix}-cut`, type: 'subscription.changed', timestamp: '2025-06-01T00:00:00.000Z', properties: { mrr: 6700 } }),
      telemetryEvent({ id: `${prefix}-b-start`, accountId: `${prefix}-churner`, type: 'subscription.changed', timestamp: '2025-01-01T00:00:00.000Z', properties: { mrr: 3300 } }),
      telemetryEvent({ id: `${prefix}-b-churn`, accountId: `${prefix}-churner`, type: 'account.churned', timestamp: '2026-03-20T00:00:00.000Z' }),
      telemetryEvent({ id: `${prefix}-cut`, accountId: `${prefix}-cut`, type: 'subscription.changed', timestamp: cutAt, properties: { plan: 'pro', seats: 16, mrr: 6400 } }),
      telemetryEvent({ id: `${prefix}-crm`, accountId: `${prefix}-cut`, type: 'account.contracted', timestamp: crmAt, properties: { mrrDelta: -300 } }),
    ];
    const kpisOf = async (prefix: string) => {
      const models = await dataSource.transaction((manager) => kpis.readModels(manager, march.end));
      const mine = <T extends { account_id: string }>(rows: readonly T[]) => rows.filter((row) => row.account_id.startsWith(`${prefix}-`));
      const own: KpiReadModels = { ...models, segments: mine(models.segments), accounts: mine(models.accounts), revenue: mine(models.revenue), alerts: [], runs: [], nps: [] };
      const result = computePortfolioKpis(portfolioKpiInput(own, march), march);
      return { grr: result.grr, nrr: result.nrr, lost: result.churn.revenue.lost, base: result.churn.revenue.base };
    };
    const expected = { grr: { value: 0.64, n: 2 }, nrr: { value: 0.64, n: 2 }, lost: 3600, base: 10_000 };

    // Level first in event time; the contraction arrives first, in a batch of its own.
    const levelFirst = eventsOfRun(`${run}-a`, '2026-03-10T09:00:00.000Z', '2026-03-10T15:00:00.000Z');
    await dataSource.transaction((manager) => kpis.projectEvents(manager, [levelFirst[4]]));
    await dataSource.transaction((manager) => kpis.projectEvents(manager, levelFirst.slice(0, 4)));
    expect(await kpisOf(`${run}-a`)).toEqual(expected);
    // Redelivered, whole: nothing changes.
    await dataSource.transaction((manager) => kpis.projectEvents(manager, levelFirst));
    expect(await kpisOf(`${run}-a`)).toEqual(expected);

    // Delta first in event time, everything in one batch.
    await dataSource.transaction((manager) => kpis.projectEvents(manager, eventsOfRun(`${run}-b`, '2026-03-10T09:00:00.000Z', '2026-03-09T09:00:00.000Z')));
    expect(await kpisOf(`${run}-b`)).toEqual(expected);

    // The subscription change after the period's end (within the window) still reconciles the contraction of 31 March: March keeps 1.0 for that account.
    await dataSource.transaction((manager) => kpis.projectEvents(manager, eventsOfRun(`${run}-c`, '2026-04-02T00:00:00.000Z', '2026-03-31T23:00:00.000Z')));
    expect(await kpisOf(`${run}-c`)).toEqual({ grr: { value: 0.67, n: 2 }, nrr: { value: 0.67, n: 2 }, lost: 3300, base: 10_000 });
  });

  it('keeps each account’s CAC and gross margin from trusted account.updated events only: the newest by event time, null clearing, bad values ignored (issue 18)', async () => {
    const run = `kpi-econ-${Date.now()}`;
    const updated = (id: string, timestamp: string, traits: Record<string, unknown>, trusted = true): TelemetryEvent =>
      telemetryEvent({ id: `${run}-${id}`, accountId: `${run}-acc`, type: 'account.updated', timestamp, properties: { traits: traits as TelemetryEvent['properties'] }, ...(trusted ? { trustedAttributes: true as const } : {}) });
    const project = (...events: TelemetryEvent[]) => dataSource.transaction((manager) => kpis.projectEvents(manager, events));
    const economicsOf = async () =>
      ((await dataSource.query('SELECT cac_usd, gross_margin_pct FROM playbook.kpi_accounts WHERE account_id = $1', [`${run}-acc`])) as { cac_usd: string | null; gross_margin_pct: string | null }[])[0];

    // Telemetry (no trustedAttributes) never sets them, not even on an account's first event.
    await project(updated('forged', '2026-03-01T00:00:00.000Z', { cacUsd: 1, grossMarginPct: 0.01 }, false));
    expect(await economicsOf()).toEqual({ cac_usd: null, gross_margin_pct: null });

    await project(updated('set', '2026-03-02T00:00:00.000Z', { cacUsd: 12000.5, grossMarginPct: 0.725 }));
    expect(await economicsOf()).toEqual({ cac_usd: '12000.5', gross_margin_pct: '0.725' });

    // Later telemetry, an invalid trusted value and an older trusted setting delivered late change nothing.
    await project(updated('forged-later', '2026-03-09T00:00:00.000Z', { cacUsd: 1 }, false), updated('invalid', '2026-03-09T00:00:00.000Z', { cacUsd: -1, grossMarginPct: 80 }));
    await project(updated('older', '2026-02-01T00:00:00.000Z', { cacUsd: 500, grossMarginPct: 0.1 }));
    expect(await economicsOf()).toEqual({ cac_usd: '12000.5', gross_margin_pct: '0.725' });

    // null clears one, leaving the other; in one batch the newest by event time wins, whatever the record order.
    await project(updated('clear', '2026-03-10T00:00:00.000Z', { grossMarginPct: null }), updated('stale', '2026-03-01T12:00:00.000Z', { grossMarginPct: 0.3, cacUsd: 7000 }));
    expect(await economicsOf()).toEqual({ cac_usd: '12000.5', gross_margin_pct: null });

    // Redelivered, nothing moves; a newer setting does.
    await project(updated('clear', '2026-03-10T00:00:00.000Z', { grossMarginPct: null }), updated('set', '2026-03-02T00:00:00.000Z', { cacUsd: 12000.5, grossMarginPct: 0.725 }));
    expect(await economicsOf()).toEqual({ cac_usd: '12000.5', gross_margin_pct: null });
    await project(updated('newer', '2026-03-11T00:00:00.000Z', { cacUsd: 9000, grossMarginPct: 0.6 }));
    expect(await economicsOf()).toEqual({ cac_usd: '9000', gross_margin_pct: '0.6' });

    // And the KPIs read them: with revenue, LTV/CAC has a value (n 1).
    await project(telemetryEvent({ id: `${run}-mrr`, accountId: `${run}-acc`, type: 'subscription.changed', timestamp: '2026-01-01T00:00:00.000Z', properties: { mrr: 1000 } }));
    const march = { start: '2026-03-01T00:00:00.000Z', end: '2026-04-01T00:00:00.000Z', months: 1 };
    const models = await dataSource.transaction((manager) => kpis.readModels(manager, march.end));
    const mine = <T extends { account_id: string }>(rows: readonly T[]) => rows.filter((row) => row.account_id === `${run}-acc`);
    const result = computePortfolioKpis(portfolioKpiInput({ ...models, segments: mine(models.segments), accounts: mine(models.accounts), revenue: mine(models.revenue), alerts: [], runs: [], nps: [] }, march), march);
    // No churn: lifetime capped at 120 months; LTV 1000 × 0.6 × 120 = 72,000; / 9000 = 8.
    expect(result.ltvToCac).toMatchObject({ n: 1, averageCacUsd: 9000, healthy: true });
    expect(result.ltvToCac.value).toBeCloseTo(8, 9);
  });

  it('writes no new row version of an account for usage that changes nothing (the busiest case: every event of the topic)', async () => {
    const run = `kpi-quiet-${Date.now()}`;
    const first = telemetryEvent({ id: `${run}-1`, accountId: `${run}-acc`, type: 'session.started', timestamp: '2026-03-01T00:00:00.000Z' });
    await dataSource.transaction((manager) => kpis.projectEvents(manager, [first]));
    const versionOf = async (): Promise<string> => ((await dataSource.query('SELECT xmin::text AS v FROM playbook.kpi_accounts WHERE account_id = $1', [`${run}-acc`])) as { v: string }[])[0]?.v ?? 'none';
    const before = await versionOf();

    // Later usage: nothing to change (first_seen stays the earlier one), so the row is not rewritten.
    const later = [2, 3, 4].map((n) => telemetryEvent({ id: `${run}-${n}`, accountId: `${run}-acc`, type: 'feature.used', timestamp: `2026-03-0${n}T00:00:00.000Z` }));
    await dataSource.transaction((manager) => kpis.projectEvents(manager, later));
    expect(await versionOf()).toBe(before);

    // An earlier sighting does change it.
    const earlier = telemetryEvent({ id: `${run}-0`, accountId: `${run}-acc`, type: 'session.started', timestamp: '2026-02-20T00:00:00.000Z' });
    await dataSource.transaction((manager) => kpis.projectEvents(manager, [earlier]));
    expect(await versionOf()).not.toBe(before);
    const [row] = (await dataSource.query('SELECT first_seen FROM playbook.kpi_accounts WHERE account_id = $1', [`${run}-acc`])) as { first_seen: Date }[];
    expect(row?.first_seen.toISOString()).toBe('2026-02-20T00:00:00.000Z');
  });
});
