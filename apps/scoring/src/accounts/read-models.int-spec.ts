import type { DataSource } from 'typeorm';
import type { PlaybookRunEvent } from '@bellwether/contracts';
import { createServiceDataSource, migrate } from '@bellwether/platform';
import { alertLifecycleEvent, statementsOf, testEnvironment } from '@bellwether/testing';
import { SCORING_SCHEMA, scoringMigrations } from '../migrations';
import { Account360Repository } from './account-360.repository';

// The 360 read models' set-based projections on a real Postgres: one statement per batch whatever
// its size, and the rows record-by-record projection would leave.

const dataSource: DataSource = createServiceDataSource({ url: testEnvironment.databaseUrl, schema: SCORING_SCHEMA, entities: [], migrations: scoringMigrations, applicationName: 'read-models-it', poolSize: 2 });
const views = new Account360Repository(dataSource);

const run = (runId: string, kind: PlaybookRunEvent['kind'], occurredAt: string, outcome?: PlaybookRunEvent['outcome']): PlaybookRunEvent => ({
  schemaVersion: 1,
  eventId: `${runId}:${kind}`,
  kind,
  runId,
  playbookId: 'save-at-risk',
  playbookVersion: 1,
  accountId: `${runId}-acc`,
  ...(outcome ? { outcome } : {}),
  occurredAt,
});

describe('360 read model projections, set-based, on a real Postgres', () => {
  beforeAll(async () => {
    await dataSource.initialize();
    await migrate(dataSource, SCORING_SCHEMA);
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  it('projects a batch of 5 or of 300 alert or run events in one statement', async () => {
    const key = `rm-stmt-${Date.now()}`;
    const alerts = (count: number) => Array.from({ length: count }, (_, n) => alertLifecycleEvent({ alertId: `${key}-${count}-${n % 50}`, revision: n + 1, accountId: `${key}-acc` }));
    const runs = (count: number) => Array.from({ length: count }, (_, n) => run(`${key}-${count}-${n % 40}`, n < 40 ? 'run.started' : 'run.ended', '2026-03-01T00:00:00.000Z', 'recovered'));
    for (const count of [5, 300]) {
      expect(await statementsOf(dataSource, (manager) => views.projectAlerts(manager, alerts(count)))).toBe(1);
      expect(await statementsOf(dataSource, (manager) => views.projectRuns(manager, runs(count)))).toBe(1);
    }
  });

  it('keeps per alert its highest revision and per run what its events in order leave, across batches', async () => {
    const key = `rm-fold-${Date.now()}`;
    const alertId = `${key}-al`;
    await dataSource.transaction((manager) =>
      views.projectAlerts(manager, [
        alertLifecycleEvent({ alertId, revision: 2, status: 'acknowledged', accountId: key }),
        alertLifecycleEvent({ alertId, revision: 3, status: 'resolved', accountId: key }),
        alertLifecycleEvent({ alertId, revision: 1, status: 'open', accountId: key }),
      ]),
    );
    await dataSource.transaction((manager) => views.projectAlerts(manager, [alertLifecycleEvent({ alertId, revision: 2, status: 'acknowledged', accountId: key })]));
    expect(await dataSource.query('SELECT revision, status FROM scoring.account_alerts WHERE alert_id = $1', [alertId])).toEqual([{ revision: 3, status: 'resolved' }]);

    const [started, ended, endedOnly] = [`${key}-r1`, `${key}-r2`, `${key}-r3`];
    await dataSource.transaction((manager) =>
      views.projectRuns(manager, [
        run(started, 'run.started', '2026-03-01T00:00:00.000Z'),
        run(ended, 'run.started', '2026-03-01T00:00:00.000Z'),
        run(ended, 'run.ended', '2026-03-05T00:00:00.000Z', 'recovered'),
        run(endedOnly, 'run.ended', '2026-03-06T00:00:00.000Z', 'churned'),
        run(endedOnly, 'run.started', '2026-03-02T00:00:00.000Z'),
      ]),
    );
    await dataSource.transaction((manager) => views.projectRuns(manager, [run(ended, 'run.started', '2026-03-09T00:00:00.000Z')]));
    const rows = (await dataSource.query('SELECT run_id, status, outcome, started_at, updated_at FROM scoring.account_runs WHERE run_id LIKE $1 ORDER BY run_id', [`${key}-%`])) as {
      run_id: string;
      status: string;
      outcome: string | null;
      started_at: Date;
      updated_at: Date;
    }[];
    expect(rows.map((row) => [row.run_id, row.status, row.outcome, row.started_at.toISOString(), row.updated_at.toISOString()])).toEqual([
      [started, 'active', null, '2026-03-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
      [ended, 'ended', 'recovered', '2026-03-01T00:00:00.000Z', '2026-03-05T00:00:00.000Z'],
      [endedOnly, 'ended', 'churned', '2026-03-06T00:00:00.000Z', '2026-03-06T00:00:00.000Z'],
    ]);
  });
});
