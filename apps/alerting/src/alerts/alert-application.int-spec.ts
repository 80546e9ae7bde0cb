import type { DataSource, EntityManager } from 'typeorm';
import type { AlertLifecycleEvent, IncidentLifecycleEvent, ScoreChanged } from '@bellwether/contracts';
import { defaultRuleSet } from '@bellwether/alerting-domain';
import { createServiceDataSource, migrate, type PipelineClock } from '@bellwether/platform';
import { countingTransactions, scoreChanged, scoreSnapshot, SeededRandom, testEnvironment } from '@bellwether/testing';
import { AlertingEnv } from '../alerting.env';
import { IncidentBook } from '../incidents/incident-book';
import { IncidentRepository } from '../incidents/incident.repository';
import { ALERTING_SCHEMA, alertingMigrations } from '../migrations';
import { AccountWorkingSetStore } from './account-working-set';
import { fixedRuleSets } from '../rule-sets/rule-set-activations';
import { AlertApplicationService } from './alert-application.service';
import type { AlertEvents } from './alert-events';
import { AlertRepository } from './alert.repository';

// The set-based batch on a real Postgres: its statements per batch do not grow with the batch, and
// a batch decides exactly what the same changes applied one batch each decide (each change then
// reads what the earlier ones stored, as the per-change queries did before batches were set-based).

const dataSource: DataSource = createServiceDataSource({
  url: testEnvironment.databaseUrl,
  schema: ALERTING_SCHEMA,
  entities: [],
  migrations: alertingMigrations,
  applicationName: 'alert-application-it',
  poolSize: 2,
});

class CapturedEvents implements Pick<AlertEvents, 'emit' | 'emitIncidents'> {
  readonly alerts: AlertLifecycleEvent[] = [];
  readonly incidents: IncidentLifecycleEvent[] = [];

  async emit(_manager: EntityManager, events: readonly AlertLifecycleEvent[]): Promise<void> {
    this.alerts.push(...events);
  }

  async emitIncidents(_manager: EntityManager, events: readonly IncidentLifecycleEvent[]): Promise<void> {
    this.incidents.push(...events);
  }
}

/** The service on the real repositories; `statements` counts the queries of each batch's transaction. */
function service(budget = new AlertingEnv().CONTACT_BUDGET_ALERTS) {
  const env = Object.assign(new AlertingEnv(), { CONTACT_BUDGET_ALERTS: budget });
  const alerts = new AlertRepository();
  const incidents = new IncidentRepository();
  const events = new CapturedEvents();
  const { transactions: counting, statements } = countingTransactions(dataSource);
  const clock = { mode: 'event', now: () => null } as unknown as PipelineClock;
  const application = new AlertApplicationService(
    counting as unknown as DataSource,
    env,
    events as unknown as AlertEvents,
    clock,
    alerts,
    new AccountWorkingSetStore(env, alerts, incidents),
    new IncidentBook(incidents, alerts),
    fixedRuleSets(defaultRuleSet),
  );
  return { application, events, statements };
}

/**
 * Random score paths of `accounts` accounts: trouble (red or yellow, high churn risk, at risk) and
 * calm spells (green, low risk) in turn, so that alerts and incidents open, clear and open again
 * within the contact budget's week; now and then a score on insufficient data or a late change,
 * and the first account churning near its end.
 */
function scorePaths(prefix: string, accounts: number, changesEach: number, seed: string): ScoreChanged[] {
  const random = new SeededRandom(seed);
  const changes: ScoreChanged[] = [];
  for (let a = 0; a < accounts; a += 1) {
    const accountId = `${prefix}-${a}`;
    let at = Date.parse('2026-03-01T00:00:00.000Z');
    let before = scoreSnapshot();
    let trouble = false;
    for (let sequence = 1; sequence <= changesEach; sequence += 1) {
      if (random.chance(trouble ? 0.5 : 0.12)) trouble = !trouble;
      at += random.int(1, 30) * 3_600_000;
      const health = trouble ? random.int(10, 55) : random.int(86, 90);
      const after = scoreSnapshot({
        health,
        band: health < 40 ? 'red' : health < 65 ? 'yellow' : 'green',
        churnRisk: trouble ? 0.5 + Math.round(random.next() * 50) / 100 : 0.05,
        segment: trouble ? 'at_risk' : random.chance(0.5) ? 'stable' : 'loyal',
        ...(random.chance(0.05) ? { insufficientData: true } : {}),
      });
      const late = random.chance(0.08) ? -random.int(1, 40) * 86_400_000 : 0;
      const churned = a === 0 && sequence >= changesEach - 3 && sequence < changesEach;
      changes.push(
        scoreChanged({
          accountId,
          changeId: `${accountId}:${sequence}`,
          sequence,
          eventTime: new Date(at + late).toISOString(),
          before,
          after,
          account: { csmId: `csm-${a % 3}`, mrr: 500 + a * 700, ...(churned ? { churnedAt: new Date(at).toISOString().slice(0, 10) } : {}) },
        }),
      );
      before = after;
    }
  }
  return changes;
}

async function storedState(prefix: string): Promise<unknown> {
  const q = async (sql: string) => (await dataSource.query(sql, [`${prefix}-%`])) as unknown[];
  return {
    alerts: await q(`SELECT id, account_id, rule_id, category, severity, status, priority, queue, csm_id, count, opened_at, last_seen_at, resolved_at, snoozed_until, outcome,
                      evidence, revision, sla_due_at, incident_id FROM alerting.alerts WHERE account_id LIKE $1 ORDER BY id`),
    incidents: await q(`SELECT id, account_id, category, severity, status, priority, queue, csm_id, escalated_to, opened_at, last_seen_at, resolved_at, outcome, rule_ids,
                         rules, revision FROM alerting.incidents WHERE account_id LIKE $1 ORDER BY id`),
    points: await q('SELECT account_id, event_time, health FROM alerting.score_points WHERE account_id LIKE $1 ORDER BY account_id, event_time'),
    holds: await q('SELECT account_id, rule_id, firing_since, clear_since FROM alerting.rule_hysteresis WHERE account_id LIKE $1 ORDER BY account_id, rule_id'),
  };
}

async function forget(prefix: string): Promise<void> {
  for (const table of ['alerts', 'incidents', 'score_points', 'rule_hysteresis']) await dataSource.query(`DELETE FROM alerting.${table} WHERE account_id LIKE $1`, [`${prefix}-%`]);
  await dataSource.query('DELETE FROM alerting.processed_changes WHERE change_id LIKE $1', [`${prefix}-%`]);
}

const byAccountThenSequence = (a: ScoreChanged, b: ScoreChanged): number => a.accountId.localeCompare(b.accountId) || a.sequence - b.sequence;

describe('alert application, set-based, on a real Postgres', () => {
  beforeAll(async () => {
    await dataSource.initialize();
    await migrate(dataSource, ALERTING_SCHEMA);
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  it('runs the same number of statements for a batch of 2 changes as for one of 120 changes of 30 accounts', async () => {
    const small = service(1);
    await small.application.applyBatch(scorePaths(`it-stmt-small-${Date.now()}`, 1, 2, 'statements'));
    const large = service(1);
    await large.application.applyBatch(scorePaths(`it-stmt-large-${Date.now()}`, 30, 4, 'statements'));
    // claim, lock, four reads, at most eight writes, the outbox: per-change queries made the large one hundreds.
    expect(large.statements).toHaveLength(1);
    expect(large.statements[0]).toBeLessThanOrEqual(16);
    expect(large.statements[0]).toBeLessThanOrEqual((small.statements[0] ?? 0) + 8);
  });

  it('decides in one batch exactly what one change per batch decides: the same events, alerts, incidents, score points and holds', async () => {
    const prefix = `it-same-${Date.now()}`;
    const changes = scorePaths(prefix, 6, 40, 'same decisions').sort(byAccountThenSequence);

    // A budget of one incident a week, so that it is spent now and then, within a batch too.
    const oneByOne = service(1);
    for (const change of changes) await oneByOne.application.applyBatch([change]);
    const storedOneByOne = await storedState(prefix);
    await forget(prefix);

    const batched = service(1);
    // Batches of 50 across accounts, as a partition's fetch would hand them over.
    for (let start = 0; start < changes.length; start += 50) await batched.application.applyBatch(changes.slice(start, start + 50));

    expect(oneByOne.events.alerts.length).toBeGreaterThan(5);
    expect(oneByOne.events.incidents.length).toBeGreaterThan(2);
    expect(batched.events.alerts).toEqual(oneByOne.events.alerts);
    expect(batched.events.incidents).toEqual(oneByOne.events.incidents);
    expect(await storedState(prefix)).toEqual(storedOneByOne);
  });
});
