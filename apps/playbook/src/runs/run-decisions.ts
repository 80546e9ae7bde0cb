import { createHash } from 'node:crypto';
import type { AlertLifecycleEvent, IncidentLifecycleEvent, PlaybookRunEvent, ScoreChanged } from '@bellwether/contracts';
import {
  advance,
  chooseVariant,
  definitionOfRun,
  MAX_EMAIL_REASONS,
  playbooksFor,
  startRun,
  unitIntervalFromKey,
  type AccountProfile,
  type AccountSnapshot,
  type PlaybookSet,
  type PlaybookTimeline,
  type RunEffect,
  type RunState,
  type TriggerEvent,
} from '@bellwether/playbook-domain';
import type { RunWorkingSet, StoredRun } from './run-working-set';

/**
 * The playbooks a batch is decided with (issue 18 §1): the timeline of sets in force over event
 * time (a run starts with the set in force at its trigger's event time), and every set this
 * replica knows (a started run advances on the definition of the set that started it).
 */
export interface PlaybookCatalog {
  readonly timeline: PlaybookTimeline;
  readonly known: readonly PlaybookSet[];
}

/** The set of playbooks in force at `eventTime` (ISO-8601). */
export function playbooksAt(catalog: PlaybookCatalog, eventTime: string): PlaybookSet {
  return catalog.timeline.at(eventTime).config;
}

/** Used until the first score change of the account arrives: neither recovered nor churned. */
export const UNKNOWN_ACCOUNT: AccountSnapshot = { band: 'yellow', segment: 'stable', health: 50 };

/** A trigger a record fires: what it is, the queue its runs' tasks go to, its time (ISO-8601) and the cause a run id derives from. */
export interface TriggerOccurrence {
  readonly trigger: TriggerEvent;
  readonly queue: string;
  readonly now: string;
  readonly causeId: string;
}

/**
 * One record's part in the runs of its account: a score change's snapshot (kept as the account's
 * if newest, and the one its live runs advance on at `eventTime`), then the triggers it fires.
 */
export interface RunStep {
  readonly accountId: string;
  readonly score?: { readonly snapshot: AccountSnapshot; readonly profile?: AccountProfile; readonly sequence: number; readonly eventTime: string };
  readonly triggers: readonly TriggerOccurrence[];
}

/**
 * A score change: the snapshot (churned while the change carries `account.churnedAt`), the profile
 * emails show (churn risk, stage, top reasons, owner, MRR, plan), and the segment and stage it
 * entered (a first change, without `before`, enters both). Tasks go to the owner CSM's queue,
 * `team:unassigned` without one.
 */
export function runStepOfScoreChange(change: ScoreChanged): RunStep {
  const queue = change.account.csmId ? `csm:${change.account.csmId}` : 'team:unassigned';
  const occurrence = (trigger: TriggerEvent): TriggerOccurrence => ({ trigger, queue, now: change.eventTime, causeId: change.changeId });
  return {
    accountId: change.accountId,
    score: {
      snapshot: { band: change.after.band, segment: change.after.segment, health: change.after.health, ...(change.account.churnedAt ? { churned: true } : {}) },
      profile: {
        churnRisk: change.after.churnRisk,
        stage: change.after.stage,
        reasons: change.reasons.slice(0, MAX_EMAIL_REASONS),
        ...(change.account.csmId === undefined ? {} : { csmId: change.account.csmId }),
        ...(change.account.mrr === undefined ? {} : { mrr: change.account.mrr }),
        ...(change.account.plan === undefined ? {} : { plan: change.account.plan }),
      },
      sequence: change.sequence,
      eventTime: change.eventTime,
    },
    triggers: [
      ...(change.before?.segment !== change.after.segment ? [occurrence({ kind: 'segment_entered', segment: change.after.segment })] : []),
      ...(change.before?.stage !== change.after.stage ? [occurrence({ kind: 'lifecycle_stage', stage: change.after.stage })] : []),
    ],
  };
}

/** An opened alert fires its rule (one run per alert, in the alert's queue); other lifecycle steps fire nothing (null). */
export function runStepOfAlert(event: AlertLifecycleEvent): RunStep | null {
  if (event.kind !== 'opened') return null;
  return { accountId: event.accountId, triggers: [{ trigger: { kind: 'alert_rule', ruleId: event.rule }, queue: event.queue, now: event.occurredAt, causeId: event.eventId }] };
}

/**
 * An incident opened, or (updated, escalated) rose in severity, fires its category and severity;
 * the cause is the incident id, so one incident starts each playbook once, however many steps it
 * has. A resolved incident or another step fires nothing (null).
 */
export function runStepOfIncident(event: IncidentLifecycleEvent): RunStep | null {
  if (event.status === 'resolved' || !['opened', 'updated', 'escalated'].includes(event.kind)) return null;
  return {
    accountId: event.accountId,
    triggers: [{ trigger: { kind: 'incident', category: event.category, severity: event.severity }, queue: event.queue, now: event.occurredAt, causeId: event.incidentId }],
  };
}

/** The run a cause starts of a playbook: `run_` and 24 hex digits of sha256(`<causeId>|<playbookId>`). */
export function runIdFor(causeId: string, playbookId: string): string {
  return `run_${createHash('sha256').update(`${causeId}|${playbookId}`).digest('hex').slice(0, 24)}`;
}

/** Whether the step can change anything: it carries a snapshot, or one of its triggers matches a playbook. */
export function stepMatters(catalog: PlaybookCatalog, step: RunStep): boolean {
  return step.score !== undefined || step.triggers.some((occurrence) => playbooksFor(occurrence.trigger, playbooksAt(catalog, occurrence.now).playbooks).length > 0);
}

/** Every run id the steps' triggers could start (sorted, distinct): a batch reads which of them are stored. */
export function candidateRunIds(catalog: PlaybookCatalog, steps: readonly RunStep[]): string[] {
  const ids = new Set<string>();
  for (const step of steps) {
    for (const occurrence of step.triggers) for (const definition of playbooksFor(occurrence.trigger, playbooksAt(catalog, occurrence.now).playbooks)) ids.add(runIdFor(occurrence.causeId, definition.id));
  }
  return [...ids].sort();
}

/**
 * Applies one record's step to the working set, as the record-by-record runner did: keeps the
 * snapshot, advances the account's live runs on the change's own snapshot at its event time, then
 * starts the matching playbooks (none while the account's newest snapshot is churned).
 */
export function applyRunStep(catalog: PlaybookCatalog, set: RunWorkingSet, step: RunStep): void {
  if (step.score) {
    set.saveSnapshot(step.accountId, step.score.snapshot, step.score.sequence, step.score.profile);
    for (const live of set.liveRunsOf(step.accountId)) advanceRun(catalog, set, live, step.score.eventTime, step.score.snapshot);
  }
  for (const occurrence of step.triggers) startMatching(catalog, set, step.accountId, occurrence);
}

/**
 * Advances a stored run at `now` on the account's `snapshot`, recording its effects and events:
 * on the definition of the set that started it (`definitionOfRun`), whatever set is in force now;
 * a run its definition is gone for stays as it is.
 */
export function advanceRun(catalog: PlaybookCatalog, set: RunWorkingSet, stored: StoredRun, now: string, snapshot: AccountSnapshot): void {
  const run = stored.state;
  const definition = definitionOfRun(catalog.known, run);
  if (!definition) return;
  const transition = advance(definition, run, { now, account: snapshot });
  if (transition.run === run) return;
  applyEffects(set, transition.run, stored.queue, transition.effects, now, transition.run.outcome !== undefined && run.outcome === undefined);
}

/** Starts the playbooks of the set in force at the trigger's event time; each run records that set's version. */
function startMatching(catalog: PlaybookCatalog, set: RunWorkingSet, accountId: string, occurrence: TriggerOccurrence): void {
  const playbooks = playbooksAt(catalog, occurrence.now);
  const matching = playbooksFor(occurrence.trigger, playbooks.playbooks);
  if (matching.length === 0) return;
  const snapshot = set.snapshotOf(accountId) ?? UNKNOWN_ACCOUNT;
  if (snapshot.churned === true) {
    set.notStarted(occurrence.trigger.kind);
    return;
  }
  for (const definition of matching) {
    const runId = runIdFor(occurrence.causeId, definition.id);
    const variantId = chooseVariant(definition, unitIntervalFromKey(runId));
    const started = startRun(definition, { runId, accountId, variantId, now: occurrence.now, account: snapshot });
    const transition = { ...started, run: { ...started.run, playbooksVersion: playbooks.version } };
    if (!set.insertRun(transition.run, occurrence.queue, occurrence.trigger)) continue;
    set.emit(runEvent('run.started', transition.run, occurrence.now), variantId);
    applyEffects(set, transition.run, occurrence.queue, transition.effects, occurrence.now, transition.run.outcome !== undefined);
  }
}

function applyEffects(set: RunWorkingSet, run: RunState, queue: string, effects: readonly RunEffect[], now: string, endedNow: boolean): void {
  set.updateRun(run);
  for (const effect of effects) {
    if (!set.recordEffect(run, queue, effect) || effect.kind !== 'create_task') continue;
    set.emit(
      {
        ...runEvent('task.created', run, now),
        eventId: `${effect.key}:task`,
        stepId: effect.stepId,
        task: { taskId: effect.key, role: effect.role, title: effect.title, queue, dueAt: effect.dueAt },
      },
      run.variantId,
      effect.key,
    );
  }
  if (endedNow && run.outcome) set.emit(runEvent('run.ended', run, now), run.variantId);
}

/** A run event of `kind` for the run's state at `now` (ISO-8601); its id is `<runId>:<kind>` unless the caller sets another. */
export function runEvent(kind: PlaybookRunEvent['kind'], run: RunState, now: string): PlaybookRunEvent {
  return {
    schemaVersion: 1,
    eventId: `${run.runId}:${kind}`,
    kind,
    runId: run.runId,
    playbookId: run.playbookId,
    playbookVersion: run.playbookVersion,
    ...(run.playbooksVersion === undefined ? {} : { playbooksVersion: run.playbooksVersion }),
    accountId: run.accountId,
    ...(run.outcome ? { outcome: run.outcome } : {}),
    occurredAt: now,
  };
}
