import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Counter } from 'prom-client';
import type { AlertLifecycleEvent, IncidentLifecycleEvent, PlaybookRunEvent, ScoreChanged } from '@bellwether/contracts';
import {
  advance,
  chooseVariant,
  playbooksFor,
  startRun,
  unitIntervalFromKey,
  type AccountSnapshot,
  type PlaybookDefinition,
  type RunEffect,
  type RunState,
  type TriggerEvent,
} from '@bellwether/playbook-domain';
import { PLAYBOOK_DEFINITIONS } from './playbook-definitions';
import { RunRepository } from './run.repository';

const runMetrics = {
  started: new Counter({ name: 'bellwether_playbook_runs_started_total', help: 'Playbook runs started', labelNames: ['playbook', 'variant'] as const }),
  ended: new Counter({ name: 'bellwether_playbook_runs_ended_total', help: 'Playbook runs ended', labelNames: ['playbook', 'outcome'] as const }),
  tasks: new Counter({ name: 'bellwether_playbook_tasks_created_total', help: 'Tasks created in CSM queues', labelNames: ['playbook', 'role'] as const }),
  parked: new Counter({ name: 'bellwether_playbook_runs_parked_total', help: 'Runs parked because a step kept failing', labelNames: ['playbook'] as const }),
  notStarted: new Counter({ name: 'bellwether_playbook_runs_not_started_churned_total', help: 'Triggers that started no run because the account is churned', labelNames: ['trigger'] as const }),
};

/** Used until the first score change of the account arrives: neither recovered nor churned. */
const UNKNOWN_ACCOUNT: AccountSnapshot = { band: 'yellow', segment: 'stable', health: 50 };

/**
 * Turns triggers (alert opened, incident opened or risen, segment entered, stage entered) into
 * runs and applies the pure state machine's effects inside the caller's transaction: tasks and
 * deliveries keyed by their idempotency key, run events in the outbox. All SQL is in
 * `RunRepository`; times come in from the caller (event time, or the pipeline clock's now).
 */
@Injectable()
export class PlaybookRunner {
  constructor(
    @Inject(PLAYBOOK_DEFINITIONS) private readonly definitions: readonly PlaybookDefinition[],
    private readonly repository: RunRepository,
  ) {}

  /** Records message ids; returns the ones never processed before. */
  claim(manager: EntityManager, messageIds: readonly string[]): Promise<Set<string>> {
    return this.repository.claimMessages(manager, messageIds);
  }

  /** An alert opened: starts the playbooks on its rule. Other lifecycle steps start nothing. Returns the runs started. */
  async onAlert(manager: EntityManager, event: AlertLifecycleEvent): Promise<number> {
    if (event.kind !== 'opened') return 0;
    return this.startMatching(manager, { kind: 'alert_rule', ruleId: event.rule }, event.accountId, event.queue, event.occurredAt, event.eventId);
  }

  /**
   * An incident opened, or (updated, escalated) rose in severity: starts the `incident`-triggered
   * playbooks its category and severity match. The cause id is the incident id, so one incident
   * starts each playbook once, however many lifecycle steps it has (a run's id derives from it).
   */
  async onIncident(manager: EntityManager, event: IncidentLifecycleEvent): Promise<number> {
    if (event.status === 'resolved' || !['opened', 'updated', 'escalated'].includes(event.kind)) return 0;
    return this.startMatching(manager, { kind: 'incident', category: event.category, severity: event.severity }, event.accountId, event.queue, event.occurredAt, event.incidentId);
  }

  /**
   * Keeps the account snapshot (churned while the change carries `account.churnedAt`: live runs
   * then exit `churned` and no run starts; a later change without it makes the account a
   * customer again), advances live runs, and starts segment- and stage-triggered playbooks.
   */
  async onScoreChange(manager: EntityManager, change: ScoreChanged, queue: string): Promise<number> {
    const snapshot: AccountSnapshot = {
      band: change.after.band,
      segment: change.after.segment,
      health: change.after.health,
      ...(change.account.churnedAt ? { churned: true } : {}),
    };
    await this.repository.saveSnapshot(manager, change.accountId, snapshot, change.sequence);
    let effects = 0;
    for (const live of await this.repository.liveRunsOf(manager, change.accountId)) {
      effects += await this.step(manager, live.state, live.queue, change.eventTime, snapshot);
    }
    if (change.before?.segment !== change.after.segment) {
      effects += await this.startMatching(manager, { kind: 'segment_entered', segment: change.after.segment }, change.accountId, queue, change.eventTime, change.changeId);
    }
    if (change.before?.stage !== change.after.stage) {
      effects += await this.startMatching(manager, { kind: 'lifecycle_stage', stage: change.after.stage }, change.accountId, queue, change.eventTime, change.changeId);
    }
    return effects;
  }

  /** Advances runs whose wait is over. Returns how many it advanced. */
  async wakeDue(manager: EntityManager, now: string, limit = 100): Promise<number> {
    const due = await this.repository.dueRuns(manager, now, limit);
    for (const run of due) {
      const snapshot = (await this.repository.snapshotOf(manager, run.state.accountId)) ?? UNKNOWN_ACCOUNT;
      await this.step(manager, run.state, run.queue, now, snapshot);
    }
    return due.length;
  }

  /** Starts the matching playbooks, none while the account is churned (its latest snapshot says so). */
  private async startMatching(manager: EntityManager, trigger: TriggerEvent, accountId: string, queue: string, now: string, causeId: string): Promise<number> {
    const matching = playbooksFor(trigger, this.definitions);
    if (matching.length === 0) return 0;
    const snapshot = (await this.repository.snapshotOf(manager, accountId)) ?? UNKNOWN_ACCOUNT;
    if (snapshot.churned === true) {
      runMetrics.notStarted.inc({ trigger: trigger.kind });
      return 0;
    }
    let started = 0;
    for (const definition of matching) {
      const runId = `run_${createHash('sha256').update(`${causeId}|${definition.id}`).digest('hex').slice(0, 24)}`;
      const variantId = chooseVariant(definition, unitIntervalFromKey(runId));
      const transition = startRun(definition, { runId, accountId, variantId, now, account: snapshot });
      if (!(await this.repository.insertRun(manager, transition.run, queue, trigger))) continue;
      started += 1;
      runMetrics.started.inc({ playbook: definition.id, variant: variantId });
      await this.emit(manager, [this.runEvent('run.started', transition.run, now)]);
      await this.applyEffects(manager, transition.run, queue, transition.effects, now, transition.run.outcome !== undefined);
    }
    return started;
  }

  private async step(manager: EntityManager, run: RunState, queue: string, now: string, snapshot: AccountSnapshot): Promise<number> {
    const definition = this.definitions.find((candidate) => candidate.id === run.playbookId && candidate.version === run.playbookVersion);
    if (!definition) return 0;
    const transition = advance(definition, run, { now, account: snapshot });
    if (transition.run === run) return 0;
    await this.applyEffects(manager, transition.run, queue, transition.effects, now, transition.run.outcome !== undefined && run.outcome === undefined);
    return transition.effects.length;
  }

  private async applyEffects(manager: EntityManager, run: RunState, queue: string, effects: readonly RunEffect[], now: string, endedNow: boolean): Promise<void> {
    await this.repository.updateRun(manager, run);
    const events: PlaybookRunEvent[] = [];
    for (const effect of effects) {
      const fresh = await this.repository.recordEffect(manager, run, queue, effect);
      if (!fresh) continue;
      if (effect.kind === 'create_task') {
        runMetrics.tasks.inc({ playbook: run.playbookId, role: effect.role });
        events.push({
          ...this.runEvent('task.created', run, now),
          eventId: `${effect.key}:task`,
          stepId: effect.stepId,
          task: { taskId: effect.key, role: effect.role, title: effect.title, queue, dueAt: effect.dueAt },
        });
      }
    }
    if (endedNow && run.outcome) {
      runMetrics.ended.inc({ playbook: run.playbookId, outcome: run.outcome });
      events.push(this.runEvent('run.ended', run, now));
    }
    await this.emit(manager, events);
  }

  private runEvent(kind: PlaybookRunEvent['kind'], run: RunState, now: string): PlaybookRunEvent {
    return {
      schemaVersion: 1,
      eventId: `${run.runId}:${kind}`,
      kind,
      runId: run.runId,
      playbookId: run.playbookId,
      playbookVersion: run.playbookVersion,
      accountId: run.accountId,
      ...(run.outcome ? { outcome: run.outcome } : {}),
      occurredAt: now,
    };
  }

  /**
   * A step kept failing: the run is parked with the error visible (row and event), even if the
   * state machine had already moved past the fire-and-forget step.
   */
  async park(manager: EntityManager, runId: string, error: string, now: string): Promise<void> {
    const run = await this.repository.parkRun(manager, runId, error.slice(0, 2000));
    if (!run) return;
    runMetrics.parked.inc({ playbook: run.playbookId });
    await this.emit(manager, [{ ...this.runEvent('run.parked', run, now), error: error.slice(0, 2000) }]);
  }

  /** A completed task is a step done, for integrators and KPIs. */
  async taskCompleted(manager: EntityManager, task: { taskId: string; runId: string }, now: string): Promise<void> {
    const run = await this.repository.runState(manager, task.runId);
    if (!run) return;
    const stepId = task.taskId.split(':')[1];
    await this.emit(manager, [{ ...this.runEvent('step.done', run, now), eventId: `${task.taskId}:done`, ...(stepId ? { stepId } : {}) }]);
  }

  private async emit(manager: EntityManager, events: readonly PlaybookRunEvent[]): Promise<void> {
    await this.repository.enqueueRunEvents(manager, events);
  }
}
