import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Counter } from 'prom-client';
import type { AlertLifecycleEvent, IncidentLifecycleEvent, PlaybookRunEvent, ScoreChanged } from '@bellwether/contracts';
import { PlaybookSource } from '../playbooks/playbook-activations';
import { advanceRun, applyRunStep, candidateRunIds, runEvent, runStepOfAlert, runStepOfIncident, runStepOfScoreChange, stepMatters, UNKNOWN_ACCOUNT, type PlaybookCatalog, type RunStep } from './run-decisions';
import { RunRepository, type TriggerWatermark } from './run.repository';
import { RunWorkingSet } from './run-working-set';

const runMetrics = {
  started: new Counter({ name: 'bellwether_playbook_runs_started_total', help: 'Playbook runs started', labelNames: ['playbook', 'variant'] as const }),
  ended: new Counter({ name: 'bellwether_playbook_runs_ended_total', help: 'Playbook runs ended', labelNames: ['playbook', 'outcome'] as const }),
  tasks: new Counter({ name: 'bellwether_playbook_tasks_created_total', help: 'Tasks created in CSM queues', labelNames: ['playbook', 'role'] as const }),
  parked: new Counter({ name: 'bellwether_playbook_runs_parked_total', help: 'Runs parked because a step kept failing', labelNames: ['playbook'] as const }),
  notStarted: new Counter({ name: 'bellwether_playbook_runs_not_started_churned_total', help: 'Triggers that started no run because the account is churned', labelNames: ['trigger'] as const }),
};

/**
 * Turns triggers (alert opened, incident opened or risen, segment entered, stage entered) into
 * runs and applies the pure state machine's effects inside the caller's transaction: tasks and
 * deliveries keyed by their idempotency key, run events in the outbox. Set-based: a batch's
 * accounts are locked and read at once (`RunRepository.readWorkingSet`), every record is decided
 * in memory in record order over a `RunWorkingSet` (`run-decisions.ts`: an account's later record
 * sees the snapshot and the runs its earlier ones left, a run one record started included), and
 * the batch is written back at once, so its statements stay constant as it grows. All SQL is in
 * `RunRepository`; times come in from the caller (event time, or the pipeline clock's now).
 */
@Injectable()
export class PlaybookRunner {
  constructor(
    private readonly playbooks: PlaybookSource,
    private readonly repository: RunRepository,
  ) {}

  /** Records message ids; returns the ones never processed before. Moves the batch's trigger watermark too (`RunRepository.claimMessages`). */
  claim(manager: EntityManager, messageIds: readonly string[], watermark?: TriggerWatermark): Promise<Set<string>> {
    return this.repository.claimMessages(manager, messageIds, watermark);
  }

  /** Starts the playbooks on the rules of the opened alerts (other lifecycle steps start nothing), in order. Returns the run events emitted. */
  applyAlerts(manager: EntityManager, events: readonly AlertLifecycleEvent[]): Promise<number> {
    return this.applySteps(manager, events.flatMap((event) => runStepOfAlert(event) ?? []));
  }

  /**
   * Starts the `incident`-triggered playbooks the incidents match (opened, or updated and
   * escalated to a higher severity), each incident a playbook once, in order. Returns the run
   * events emitted.
   */
  applyIncidents(manager: EntityManager, events: readonly IncidentLifecycleEvent[]): Promise<number> {
    return this.applySteps(manager, events.flatMap((event) => runStepOfIncident(event) ?? []));
  }

  /**
   * Applies score changes in order: each keeps its account's snapshot (churned while the change
   * carries `account.churnedAt`: live runs then exit `churned` and no run starts; a later change
   * without it makes the account a customer again), advances the live runs, and starts segment-
   * and stage-triggered playbooks in the owner CSM's queue (`team:unassigned` without one).
   * Returns the run events emitted.
   */
  applyScoreChanges(manager: EntityManager, changes: readonly ScoreChanged[]): Promise<number> {
    return this.applySteps(manager, changes.map(runStepOfScoreChange));
  }

  /** Advances runs whose wait is over, at most `limit`, on their accounts' snapshots. Returns how many it advanced. */
  async wakeDue(manager: EntityManager, now: string, limit = 100): Promise<number> {
    const due = await this.repository.dueRuns(manager, now, limit);
    if (due.length === 0) return 0;
    const snapshots = await this.repository.snapshotsOf(manager, [...new Set(due.map((run) => run.state.accountId))]);
    const set = new RunWorkingSet({ snapshots, liveRuns: due, storedRunIds: new Set() });
    const catalog = await this.catalog();
    for (const run of due) advanceRun(catalog, set, run, now, set.snapshotOf(run.state.accountId) ?? UNKNOWN_ACCOUNT);
    await this.flush(manager, set);
    return due.length;
  }

  /**
   * The playbooks a batch is decided with, once the activations held at start are read (never a
   * run started with a set the activation topic has already replaced); one timeline per batch.
   */
  private async catalog(): Promise<PlaybookCatalog> {
    await this.playbooks.caughtUp;
    return { timeline: this.playbooks.timeline(), known: this.playbooks.known() };
  }

  private async applySteps(manager: EntityManager, all: readonly RunStep[]): Promise<number> {
    const catalog = await this.catalog();
    const steps = all.filter((step) => stepMatters(catalog, step));
    if (steps.length === 0) return 0;
    const accountIds = [...new Set(steps.map((step) => step.accountId))].sort();
    const set = new RunWorkingSet(await this.repository.readWorkingSet(manager, accountIds, candidateRunIds(catalog, steps)));
    for (const step of steps) applyRunStep(catalog, set, step);
    return this.flush(manager, set);
  }

  /** Writes the set's changes and its run events, and counts them. Returns the events emitted. */
  private async flush(manager: EntityManager, set: RunWorkingSet): Promise<number> {
    const written = await this.repository.writeBatch(manager, set.writes());
    const events = set.eventsWritten(written);
    await this.emit(manager, events.map(({ event }) => event));
    for (const trigger of set.notStartedTriggers()) runMetrics.notStarted.inc({ trigger });
    for (const { event, variantId } of events) {
      if (event.kind === 'run.started') runMetrics.started.inc({ playbook: event.playbookId, variant: variantId });
      else if (event.kind === 'task.created' && event.task) runMetrics.tasks.inc({ playbook: event.playbookId, role: event.task.role });
      else if (event.kind === 'run.ended' && event.outcome) runMetrics.ended.inc({ playbook: event.playbookId, outcome: event.outcome });
    }
    return events.length;
  }

  /**
   * A step kept failing: the run is parked with the error visible (row and event), even if the
   * state machine had already moved past the fire-and-forget step.
   */
  async park(manager: EntityManager, runId: string, error: string, now: string): Promise<void> {
    const run = await this.repository.parkRun(manager, runId, error.slice(0, 2000));
    if (!run) return;
    runMetrics.parked.inc({ playbook: run.playbookId });
    await this.emit(manager, [{ ...runEvent('run.parked', run, now), error: error.slice(0, 2000) }]);
  }

  /** A completed task is a step done, for integrators and KPIs. */
  async taskCompleted(manager: EntityManager, task: { taskId: string; runId: string }, now: string): Promise<void> {
    const run = await this.repository.runState(manager, task.runId);
    if (!run) return;
    const stepId = task.taskId.split(':')[1];
    await this.emit(manager, [{ ...runEvent('step.done', run, now), eventId: `${task.taskId}:done`, ...(stepId ? { stepId } : {}) }]);
  }

  private async emit(manager: EntityManager, events: readonly PlaybookRunEvent[]): Promise<void> {
    await this.repository.enqueueRunEvents(manager, events);
  }
}
