import type { PlaybookRunEvent } from '@bellwether/contracts';
import type { AccountProfile, AccountSnapshot, RunEffect, RunState, TriggerEvent } from '@bellwether/playbook-domain';

/** A stored run as a batch reads it: its state machine state and the queue its tasks go to. */
export interface StoredRun {
  readonly state: RunState;
  readonly queue: string;
}

/**
 * An account's stored snapshot and the sequence of the score change that wrote it, with the
 * profile emails show (written with the snapshot; batches do not read it back).
 */
export interface StoredSnapshot {
  readonly snapshot: AccountSnapshot;
  readonly sequence: number;
  readonly profile?: AccountProfile;
}

/**
 * What a batch reads before it decides (`RunRepository.readWorkingSet`): the snapshots of its
 * accounts, their live runs, and which of the run ids its triggers would start are stored already
 * (live or not).
 */
export interface RunWorkingSetRead {
  readonly snapshots: ReadonlyMap<string, StoredSnapshot>;
  readonly liveRuns: readonly StoredRun[];
  readonly storedRunIds: ReadonlySet<string>;
}

/** A task or delivery effect of a run, to be stored once under its key. */
export interface EffectWrite {
  readonly run: RunState;
  readonly queue: string;
  readonly effect: Extract<RunEffect, { kind: 'create_task' | 'send_email' | 'call_webhook' }>;
}

/** A run the batch started, with its state after the batch, the queue and trigger it started with. */
export interface RunInsert {
  readonly state: RunState;
  readonly queue: string;
  readonly trigger: TriggerEvent;
}

/**
 * What a batch writes, in the order `RunRepository.writeBatch` applies it: snapshots (one per
 * account, the newest), the new states of stored runs, the runs it started (each in its state at
 * the end of the batch), and the task and delivery effects, each key once.
 */
export interface RunBatchWrites {
  readonly snapshots: readonly (StoredSnapshot & { readonly accountId: string })[];
  readonly updatedRuns: readonly RunState[];
  readonly insertedRuns: readonly RunInsert[];
  readonly effects: readonly EffectWrite[];
}

/** What the database took of a batch's writes: the started runs it inserted, the effect keys it stored for the first time. */
export interface RunBatchWritten {
  readonly insertedRunIds: ReadonlySet<string>;
  readonly freshEffectKeys: ReadonlySet<string>;
}

/**
 * A run event the batch would emit: it is emitted only if its run is stored (`runId`) and, for
 * `task.created`, its task is new (`effectKey`). `variantId` labels the started-runs metric.
 */
interface PendingEvent {
  readonly event: PlaybookRunEvent;
  readonly effectKey?: string;
  readonly variantId: string;
}

interface BatchRun {
  state: RunState;
  readonly queue: string;
  /** The trigger for a run the batch started; undefined for a stored one. */
  readonly trigger?: TriggerEvent;
  /** The state as read (stored runs), to write back only the changed ones. */
  readonly read?: RunState;
}

function isLive(run: RunState): boolean {
  return run.status === 'running' || run.status === 'waiting';
}

/** The key of the one live run an account may have of a playbook. */
function liveKey(run: RunState): string {
  return JSON.stringify([run.accountId, run.playbookId]);
}

/**
 * The runs state of a batch's accounts, read once and changed in memory while the batch's records
 * are decided in order, then written back set-based. Every read answers what the per-record
 * queries answered after the earlier records' writes (a snapshot keeps the highest sequence; an
 * account's live runs in id order; a start conflicts with a stored or started run of the same id,
 * or with a live run of its playbook and account, as the unique index does; an effect key is
 * stored once). Pure: no I/O, no metrics.
 */
export class RunWorkingSet {
  private readonly snapshots = new Map<string, StoredSnapshot & { changed: boolean }>();
  private readonly runs = new Map<string, BatchRun>();
  /** The runs of each account (read or started), so a record's reads never scan the batch's other accounts. */
  private readonly runsByAccount = new Map<string, BatchRun[]>();
  /** The live run of each account and playbook (`liveKey`), at most one, as the unique index keeps it. */
  private readonly liveRuns = new Map<string, string>();
  private readonly storedRunIds: ReadonlySet<string>;
  private readonly effects = new Map<string, EffectWrite>();
  private readonly pending: PendingEvent[] = [];
  private readonly churnedTriggers: TriggerEvent['kind'][] = [];

  constructor(read: RunWorkingSetRead) {
    for (const [accountId, stored] of read.snapshots) this.snapshots.set(accountId, { ...stored, changed: false });
    for (const { state, queue } of read.liveRuns) this.add({ state, queue, read: state });
    this.storedRunIds = read.storedRunIds;
  }

  /** The account's newest snapshot, or null before its first score change. */
  snapshotOf(accountId: string): AccountSnapshot | null {
    return this.snapshots.get(accountId)?.snapshot ?? null;
  }

  /** Keeps the snapshot (and its profile) if it is newer (a higher `sequence`) than the account's. */
  saveSnapshot(accountId: string, snapshot: AccountSnapshot, sequence: number, profile?: AccountProfile): void {
    const stored = this.snapshots.get(accountId);
    if (!stored || stored.sequence < sequence) this.snapshots.set(accountId, { snapshot, sequence, ...(profile === undefined ? {} : { profile }), changed: true });
  }

  /** The account's running and waiting runs, in id order, with their queues. */
  liveRunsOf(accountId: string): StoredRun[] {
    return (this.runsByAccount.get(accountId) ?? [])
      .filter((run) => isLive(run.state))
      .sort((a, b) => (a.state.runId < b.state.runId ? -1 : a.state.runId > b.state.runId ? 1 : 0))
      .map(({ state, queue }) => ({ state, queue }));
  }

  /** Starts a run unless its id is taken or (a live run) its account has a live run of the playbook. Returns whether it started. */
  insertRun(state: RunState, queue: string, trigger: TriggerEvent): boolean {
    if (this.storedRunIds.has(state.runId) || this.runs.has(state.runId)) return false;
    if (isLive(state) && this.liveRuns.has(liveKey(state))) return false;
    this.add({ state, queue, trigger });
    return true;
  }

  /** Stores a run's new state. */
  updateRun(state: RunState): void {
    const run = this.runs.get(state.runId);
    if (!run) return;
    run.state = state;
    // A run that ended frees its playbook for the account (a run never becomes live again).
    if (!isLive(state) && this.liveRuns.get(liveKey(state)) === state.runId) this.liveRuns.delete(liveKey(state));
  }

  private add(run: BatchRun): void {
    this.runs.set(run.state.runId, run);
    const ofAccount = this.runsByAccount.get(run.state.accountId);
    if (ofAccount) ofAccount.push(run);
    else this.runsByAccount.set(run.state.accountId, [run]);
    if (isLive(run.state)) this.liveRuns.set(liveKey(run.state), run.state.runId);
  }

  /**
   * Records a task or delivery effect under its key, once: false when the key was recorded earlier
   * in the batch; true for a new one (the store may still find it recorded before) and for effects
   * that store nothing (waits, the end).
   */
  recordEffect(run: RunState, queue: string, effect: RunEffect): boolean {
    if (effect.kind !== 'create_task' && effect.kind !== 'send_email' && effect.kind !== 'call_webhook') return true;
    if (this.effects.has(effect.key)) return false;
    this.effects.set(effect.key, { run, queue, effect });
    return true;
  }

  /** Queues a run event; `effectKey` for a `task.created`, whose task must turn out new. */
  emit(event: PlaybookRunEvent, variantId: string, effectKey?: string): void {
    this.pending.push({ event, variantId, ...(effectKey === undefined ? {} : { effectKey }) });
  }

  /** Counts a trigger that started nothing because its account is churned. */
  notStarted(trigger: TriggerEvent['kind']): void {
    this.churnedTriggers.push(trigger);
  }

  /** The triggers `notStarted` counted, in order. */
  notStartedTriggers(): readonly TriggerEvent['kind'][] {
    return this.churnedTriggers;
  }

  /** What the batch changed, as `RunRepository.writeBatch` takes it. */
  writes(): RunBatchWrites {
    const runs = [...this.runs.values()];
    return {
      snapshots: [...this.snapshots]
        .filter(([, stored]) => stored.changed)
        .map(([accountId, { snapshot, sequence, profile }]) => ({ accountId, snapshot, sequence, ...(profile === undefined ? {} : { profile }) })),
      updatedRuns: runs.filter((run) => run.read !== undefined && run.state !== run.read).map((run) => run.state),
      insertedRuns: runs.flatMap((run) => (run.trigger === undefined ? [] : [{ state: run.state, queue: run.queue, trigger: run.trigger }])),
      effects: [...this.effects.values()],
    };
  }

  /**
   * The run events to emit, in the order the records produced them, once the writes are stored:
   * none of a started run the store did not insert (a conflict the batch could not see), no
   * `task.created` of a task recorded before. Each with the variant of its run.
   */
  eventsWritten(written: RunBatchWritten): { event: PlaybookRunEvent; variantId: string }[] {
    const stored = (runId: string): boolean => this.runs.get(runId)?.trigger === undefined || written.insertedRunIds.has(runId);
    return this.pending
      .filter((pending) => stored(pending.event.runId) && (pending.effectKey === undefined || written.freshEffectKeys.has(pending.effectKey)))
      .map(({ event, variantId }) => ({ event, variantId }));
  }
}
