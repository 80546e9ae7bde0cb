import type { EntityManager } from 'typeorm';
import type { AlertLifecycleEvent, PlaybookRunEvent, TelemetryEvent } from '@bellwether/contracts';
import type { AccountSnapshot, RunEffect, RunState } from '@bellwether/playbook-domain';
import type { KpiReadModelRepository, KpiReadModels } from './kpis/kpi-read-model.repository';
import type { RunRepository, TriggerWatermark } from './runs/run.repository';
import type { RunBatchWrites, RunBatchWritten, RunWorkingSetRead, StoredRun, StoredSnapshot } from './runs/run-working-set';
import type { TaskRepository, TaskRow } from './tasks/task.repository';

/**
 * In-memory stand-ins for the playbook repositories, for unit tests of the orchestration (the
 * runner, the consumer, the controllers). They keep the guarantees the SQL gives and the
 * orchestration relies on: a message id is claimed once, a snapshot only moves to a higher
 * sequence, an account has one live run per playbook (a start that conflicts is not inserted), an
 * effect is recorded once per key, a run is parked once. They ignore the `manager` (no transactions: a test sees every write at once). The
 * real SQL is covered by the integration tests.
 */
export class FakeRunRepository implements RunRepository {
  readonly processed = new Set<string>();
  readonly snapshots = new Map<string, { snapshot: AccountSnapshot; sequence: number }>();
  /** Runs by id, in insertion order, with the queue and trigger they were started with. */
  readonly runs = new Map<string, { state: RunState; queue: string; trigger: unknown }>();
  /** Recorded task, email and webhook effects by idempotency key. */
  readonly effects = new Map<string, { run: RunState; queue: string; effect: RunEffect }>();
  /** Run events in the order they were written to the outbox. */
  readonly outbox: PlaybookRunEvent[] = [];

  /** Newest trigger time per `topic:partition`, as `claimMessages` moves it. */
  readonly watermarks = new Map<string, string>();

  async claimMessages(_manager: EntityManager, ids: readonly string[], watermark?: TriggerWatermark): Promise<Set<string>> {
    if (watermark?.eventTime) {
      const key = `${watermark.topic}:${watermark.partition}`;
      const current = this.watermarks.get(key);
      if (current === undefined || current < watermark.eventTime) this.watermarks.set(key, watermark.eventTime);
    }
    const fresh = new Set<string>();
    for (const id of ids) {
      if (this.processed.has(id)) continue;
      this.processed.add(id);
      fresh.add(id);
    }
    return fresh;
  }
  async triggerWatermarks(): Promise<string[]> {
    return [...this.watermarks.values()];
  }


  async readWorkingSet(manager: EntityManager, accountIds: readonly string[], runIds: readonly string[]): Promise<RunWorkingSetRead> {
    return {
      snapshots: await this.snapshotsOf(manager, accountIds),
      liveRuns: [...this.runs.values()]
        .filter((stored) => accountIds.includes(stored.state.accountId) && isLive(stored.state))
        .sort((a, b) => a.state.runId.localeCompare(b.state.runId))
        .map(({ state, queue }) => ({ state, queue })),
      storedRunIds: new Set(runIds.filter((runId) => this.runs.has(runId))),
    };
  }

  async snapshotsOf(_manager: EntityManager, accountIds: readonly string[]): Promise<Map<string, StoredSnapshot>> {
    return new Map(accountIds.flatMap((accountId) => {
      const stored = this.snapshots.get(accountId);
      return stored ? [[accountId, stored] as const] : [];
    }));
  }

  async dueRuns(_manager: EntityManager, now: string, limit: number): Promise<StoredRun[]> {
    return [...this.runs.values()]
      .filter((stored) => stored.state.status === 'waiting' && stored.state.wakeAt !== undefined && Date.parse(stored.state.wakeAt) <= Date.parse(now))
      .sort((a, b) => Date.parse(a.state.wakeAt as string) - Date.parse(b.state.wakeAt as string))
      .slice(0, limit)
      .map(({ state, queue }) => ({ state, queue }));
  }

  async writeBatch(_manager: EntityManager, writes: RunBatchWrites): Promise<RunBatchWritten> {
    for (const { accountId, snapshot, sequence } of writes.snapshots) {
      const stored = this.snapshots.get(accountId);
      if (!stored || stored.sequence < sequence) this.snapshots.set(accountId, { snapshot, sequence });
    }
    for (const state of writes.updatedRuns) {
      const stored = this.runs.get(state.runId);
      if (stored) this.runs.set(state.runId, { ...stored, state });
    }
    const insertedRunIds = new Set<string>();
    for (const { state, queue, trigger } of writes.insertedRuns) {
      const liveOfPlaybook = [...this.runs.values()].some((stored) => isLive(stored.state) && stored.state.accountId === state.accountId && stored.state.playbookId === state.playbookId);
      if (this.runs.has(state.runId) || (isLive(state) && liveOfPlaybook)) continue;
      this.runs.set(state.runId, { state, queue, trigger });
      insertedRunIds.add(state.runId);
    }
    const started = new Set(writes.insertedRuns.map((run) => run.state.runId));
    const freshEffectKeys = new Set<string>();
    for (const { run, queue, effect } of writes.effects) {
      if ((started.has(run.runId) && !insertedRunIds.has(run.runId)) || this.effects.has(effect.key)) continue;
      this.effects.set(effect.key, { run, queue, effect });
      freshEffectKeys.add(effect.key);
    }
    return { insertedRunIds, freshEffectKeys };
  }

  async parkRun(_manager: EntityManager, runId: string, _error: string): Promise<RunState | null> {
    const stored = this.runs.get(runId);
    if (!stored || stored.state.status === 'parked') return null;
    const state: RunState = { ...stored.state, status: 'parked' };
    this.runs.set(runId, { ...stored, state });
    return state;
  }

  async runState(_manager: EntityManager, runId: string): Promise<RunState | null> {
    return this.runs.get(runId)?.state ?? null;
  }

  async enqueueRunEvents(_manager: EntityManager, events: readonly PlaybookRunEvent[]): Promise<void> {
    this.outbox.push(...events);
  }

  /** The states of an account's runs, in insertion order. */
  runsOf(accountId: string): RunState[] {
    return [...this.runs.values()].filter((stored) => stored.state.accountId === accountId).map((stored) => stored.state);
  }
}

/** Records what the consumer projects for the KPIs; reads answer the models it was given. */
export class FakeKpiReadModelRepository implements KpiReadModelRepository {
  readonly projectedEvents: TelemetryEvent[] = [];
  readonly projectedAlerts: AlertLifecycleEvent[] = [];
  /** The `until` of every read, in order. */
  readonly reads: string[] = [];

  constructor(private readonly models: KpiReadModels = { segments: [], accounts: [], revenue: [], alerts: [], runs: [], nps: [] }) {}

  /** One call per batch, in `projectedEventBatches`. */
  readonly projectedEventBatches: TelemetryEvent[][] = [];

  async projectEvents(_manager: EntityManager, events: readonly TelemetryEvent[]): Promise<void> {
    this.projectedEventBatches.push([...events]);
    this.projectedEvents.push(...events);
  }

  async projectAlerts(_manager: EntityManager, events: readonly AlertLifecycleEvent[]): Promise<void> {
    this.projectedAlerts.push(...events);
  }

  async readModels(_manager: EntityManager, until: string): Promise<KpiReadModels> {
    this.reads.push(until);
    return this.models;
  }
}

/** Tasks by id; `complete` marks one done as the SQL does, stamped `completedAt` (the database's now() in SQL). */
export class FakeTaskRepository implements TaskRepository {
  readonly tasks = new Map<string, TaskRow>();

  constructor(
    tasks: readonly TaskRow[] = [],
    private readonly completedAt = new Date('2026-07-01T12:00:00.000Z'),
  ) {
    for (const task of tasks) this.tasks.set(task.taskId, task);
  }

  async listQueue(_manager: EntityManager, queue: string, status: string, limit: number): Promise<TaskRow[]> {
    return [...this.tasks.values()]
      .filter((task) => task.queue === queue && task.status === status)
      .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || a.createdAt.getTime() - b.createdAt.getTime())
      .slice(0, limit);
  }

  async findForUpdate(_manager: EntityManager, taskId: string): Promise<TaskRow | null> {
    return this.tasks.get(taskId) ?? null;
  }

  async complete(_manager: EntityManager, taskId: string, _by: string, note: string | null): Promise<void> {
    const task = this.tasks.get(taskId);
    if (task) this.tasks.set(taskId, { ...task, status: 'done', completedAt: this.completedAt, note });
  }
}

function isLive(run: RunState): boolean {
  return run.status === 'running' || run.status === 'waiting';
}
