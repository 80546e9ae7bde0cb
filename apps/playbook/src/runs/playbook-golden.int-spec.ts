import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { createServiceDataSource, migrate, type OutboxRelay } from '@bellwether/platform';
import { testEnvironment } from '@bellwether/testing';
import { KpiReadModelRepository } from '../kpis/kpi-read-model.repository';
import { PLAYBOOK_SCHEMA, playbookMigrations } from '../migrations';
import { PlaybookConsumer } from './playbook.consumer';
import { PlaybookRunner } from './playbook-runner.service';
import { RunRepository } from './run.repository';
import { definitions, digestOf, feed, forget, goldenHistory, growth, runMetrics, storedState, type StoredState } from './run-history.fixture';
import { fixedPlaybooks } from '../playbooks/playbook-activations';

// The set-based runs' consumers against a golden recorded from the record-by-record code (commit
// 63fcf59, before they became set-based): the golden history fed to that consumer one record per
// batch on a real Postgres, and the runs, tasks, deliveries, snapshots, run events (outbox order)
// and metric growth it left, in `playbook-golden.json`. Comparing batched with one-by-one runs of
// the new code cannot notice a change in the decisions both share; this can. The golden history
// holds no copy of a message within a batch: the old code applied such a copy twice (a bug).
// To re-record, check out 63fcf59 in a scratch worktree, copy `run-history.fixture.ts` there,
// feed `goldenHistory()` one record per batch to its `PlaybookConsumer` and dump `storedState`
// as JSON with the metrics' growth.

interface Golden {
  readonly recordedFrom: string;
  readonly inputs: { readonly records: number; readonly sha256: string };
  readonly expected: StoredState & { readonly metrics: Record<string, number> };
}

const golden = JSON.parse(readFileSync(join(__dirname, 'playbook-golden.json'), 'utf8')) as Golden;

const dataSource: DataSource = createServiceDataSource({
  url: testEnvironment.databaseUrl,
  schema: PLAYBOOK_SCHEMA,
  entities: [],
  migrations: playbookMigrations,
  applicationName: 'playbook-golden-it',
  poolSize: 2,
});

function consumer(): PlaybookConsumer {
  return new PlaybookConsumer(dataSource, new PlaybookRunner(fixedPlaybooks(definitions), new RunRepository()), { nudge: () => undefined } as unknown as OutboxRelay, new KpiReadModelRepository());
}

/** Feeds the golden history in batches of at most `size`; returns what it stored (as JSON, dates as ISO strings) and the metrics' growth. */
async function replay(size: number): Promise<Golden['expected']> {
  await forget(dataSource, 'golden');
  const before = await runMetrics();
  await feed(consumer(), goldenHistory(), size);
  const metrics = growth(before, await runMetrics());
  const stored = JSON.parse(JSON.stringify(await storedState(dataSource, 'golden'))) as StoredState;
  await forget(dataSource, 'golden');
  return { ...stored, metrics };
}

/** `stored` without the set version runs and run events record since issue 18 §1 (the golden predates it). */
function withoutSetVersion(stored: Golden['expected']): Golden['expected'] {
  return JSON.parse(JSON.stringify(stored), (key: string, value: unknown) => (key === 'playbooksVersion' ? undefined : value)) as Golden['expected'];
}

describe('the runs consumers against the record-by-record golden, on a real Postgres', () => {
  beforeAll(async () => {
    await dataSource.initialize();
    await migrate(dataSource, PLAYBOOK_SCHEMA);
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  it('feeds the history the golden was recorded from, and it covers starts, tasks, deliveries, recoveries, churn and a late change', () => {
    const inputs = goldenHistory();
    expect({ records: inputs.length, sha256: digestOf(inputs) }).toEqual(golden.inputs);
    const outcomes = (golden.expected.runs as { outcome: string | null }[]).map((run) => run.outcome);
    for (const outcome of ['completed', 'recovered', 'churned']) expect(outcomes).toContain(outcome);
    expect(golden.expected.deliveries.length).toBeGreaterThan(0);
    expect(Object.keys(golden.expected.metrics).some((key) => key.startsWith('bellwether_playbook_runs_not_started_churned_total'))).toBe(true);
  });

  it('pins the snapshot live runs advance on: a change arriving after a newer one advances them on its own snapshot', () => {
    const late = golden.expected.events.filter((event) => event.accountId === 'golden-late');
    expect(late.map((event) => [event.kind, event.stepId, event.outcome].filter((part) => part !== undefined).join(' '))).toEqual([
      'run.started',
      'task.created call',
      'task.created escalate',
      'run.ended recovered',
    ]);
  });

  it.each([50, 1])('stores exactly what the record-by-record code did, in batches of %i', async (size) => {
    const stored = await replay(size);
    // New since the golden (issue 18 §1): every run and run event records the set that started it.
    expect(stored.runs.every((run) => (run as { state: { playbooksVersion?: string } }).state.playbooksVersion === 'test')).toBe(true);
    expect(stored.events.every((event) => event.playbooksVersion === 'test')).toBe(true);
    expect(withoutSetVersion(stored)).toEqual(golden.expected);
  });
});
