import { DAY_MS, type AlertCategory, type ScoreChanged, type TelemetryEvent } from '@bellwether/contracts';
import {
  alertIdFor,
  applyHysteresis,
  contactBudgetSince,
  decide,
  decisionTimeOf,
  findRule,
  evaluateScoreRules,
  foldIncident,
  incidentIdFor,
  isActive,
  isChurned,
  isInhibited,
  isSupportingOnly,
  joinsActiveIncident,
  resolveForChurn,
  resolveSupportingLeftAlone,
  routeTo,
  arrUsdFromMrr,
  type AlertState,
  type HysteresisState,
  type IncidentState,
  type RuleSet,
  type ScorePoint,
} from '@bellwether/alerting-domain';
import { toTelemetryEvent, type NativeEvent } from '@bellwether/ingestion-domain';
import { applyEventBatch, closableBoundary, closeAccountsDays, pipelineWatermark, type Scorecard, type StoredAccount } from '@bellwether/scoring-domain';

/**
 * The pure replay of a history (issue 18, section 2): contract events in arrival order driven
 * through scoring's and alerting's domain functions exactly as the services chain them, in
 * process, without Kafka, Postgres or any side effect. What-if backtests and the churn model's
 * training read its timeline.
 *
 * Scoring, as apps/scoring does it: the events are read in batches (`batchSize`) from
 * `partitions` partitions and applied with `applyEventBatch` and the service's options (ALLOWED_LATENESS_DAYS,
 * GRACE_PERIOD_HOURS; a later copy of an id is a redelivery), then, as the DayRoller does after
 * the watermark moves (apps/scoring/src/scores/day-roller.ts), every account is closed through
 * `closableBoundary(watermark, 2 × grace)` with `closeAccountsDays`. The watermark is the
 * event-mode `pipelineWatermark` over the partitions' newest event times read (a fully read
 * partition is idle), as the DayRoller computes it.
 *
 * Alerting, mirrored from apps/alerting/src/alerts/alert-application.service.ts (`applyChange`,
 * which is service code, not a domain function): each change of an account, in sequence order,
 * is evaluated with `evaluateScoreRules` over the account's 30-day score history, through
 * `applyHysteresis`, `decide` (inhibition, supporting-only, the contact budget), the churn
 * resolution (`resolveForChurn`), `resolveSupportingLeftAlone`, and the incident fold
 * (`foldIncident`, as apps/alerting/src/incidents/incident-book.ts). Left out, because no person
 * acts in a replay: acknowledgements, snoozes and the SLA escalations of alert-timers.ts;
 * priorities and SLA due times (placement) are not computed, only the queue.
 */

/** The services' defaults (apps/scoring and apps/alerting env classes). */
export const replayDefaults = {
  allowedLatenessDays: 30,
  gracePeriodHours: 48,
  batchSize: 500,
  contactBudgetAlerts: 5,
  contactBudgetPeriodDays: 7,
} as const;

export interface ReplayOptions {
  readonly scorecard: Scorecard;
  readonly ruleSet: RuleSet;
  /** ALLOWED_LATENESS_DAYS (default 30). */
  readonly allowedLatenessDays?: number;
  /** GRACE_PERIOD_HOURS (default 48). */
  readonly gracePeriodHours?: number;
  /** Events per consumer batch (default 500); scores do not depend on it. */
  readonly batchSize?: number;
  /**
   * Partitions of the events topic (default 1): an account's events go to one (by a hash of its
   * id), the consumer reads them in turn, and the watermark is their minimum while any has
   * unread events. Scores do not depend on it either (the determinism e2e's claim).
   */
  readonly partitions?: number;
  /** CONTACT_BUDGET_ALERTS and CONTACT_BUDGET_PERIOD_DAYS (default 5 per 7 days). */
  readonly contactBudgetAlerts?: number;
  readonly contactBudgetPeriodDays?: number;
}

/** An alert as the replay keeps it: the lifecycle state plus its queue and incident. */
export interface ReplayAlert extends AlertState {
  readonly queue: string;
  readonly csmId: string | null;
  readonly incidentId: string | null;
}

export interface ReplayIncident extends IncidentState {
  readonly queue: string;
}

/** An alert or incident lifecycle step, at the event time (`at`) of the change that made it. */
export type ReplayLifecycleEvent =
  | { readonly entity: 'alert'; readonly kind: 'opened' | 'updated' | 'resolved'; readonly at: string; readonly alert: ReplayAlert; readonly changeId: string }
  | { readonly entity: 'incident'; readonly kind: 'opened' | 'updated' | 'resolved'; readonly at: string; readonly incident: ReplayIncident; readonly changeId: string };

export interface ReplayResult {
  /** Every score change, in the order scoring published them (per account in sequence order). */
  readonly changes: readonly ScoreChanged[];
  /** The same changes by account. */
  readonly changesByAccount: ReadonlyMap<string, readonly ScoreChanged[]>;
  /** Alert and incident lifecycle steps, in order. */
  readonly lifecycle: readonly ReplayLifecycleEvent[];
  /** Every alert and incident as it stands at the end, by account then opening time. */
  readonly alerts: readonly ReplayAlert[];
  readonly incidents: readonly ReplayIncident[];
  /** Each account's scoring state at the end. */
  readonly accounts: ReadonlyMap<string, StoredAccount>;
  /** The last watermark (newest event time read) and the boundary every account is closed through. */
  readonly watermark: string | null;
  readonly closedThrough: string | null;
  readonly counts: { readonly events: number; readonly redelivered: number; readonly late: number; readonly beyondLateness: number };
}

/** Days of score history windowed rules read (apps/alerting's HISTORY_DAYS). */
const HISTORY_MS = 30 * DAY_MS;
const categories: readonly AlertCategory[] = ['risk', 'expansion'];

interface AccountAlerting {
  readonly alerts: Map<string, ReplayAlert>;
  readonly incidents: Map<string, ReplayIncident>;
  readonly holds: Map<string, HysteresisState>;
  points: ScorePoint[];
}

/**
 * Replays `events` (arrival order) through scoring and alerting. Pure and deterministic: the same
 * events and options give the same result. Throws only on what the domain functions throw on.
 */
export function replayHistory(events: readonly TelemetryEvent[], options: ReplayOptions): ReplayResult {
  const allowedLatenessDays = options.allowedLatenessDays ?? replayDefaults.allowedLatenessDays;
  const gracePeriodMs = (options.gracePeriodHours ?? replayDefaults.gracePeriodHours) * 3_600_000;
  const batchSize = options.batchSize ?? replayDefaults.batchSize;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be an integer ≥ 1 (got ${batchSize})`);
  const partitionCount = options.partitions ?? 1;
  if (!Number.isInteger(partitionCount) || partitionCount < 1) throw new RangeError(`partitions must be an integer ≥ 1 (got ${partitionCount})`);
  const alerting = new ReplayAlerting(options);
  const accounts = new Map<string, StoredAccount>();
  const changes: ScoreChanged[] = [];
  const seen = new Set<string>();
  let watermark: string | null = null;
  let closedThrough: string | null = null;
  const counts = { events: 0, redelivered: 0, late: 0, beyondLateness: 0 };

  const publish = (published: readonly ScoreChanged[]) => {
    for (const change of published) {
      changes.push(change);
      alerting.apply(change);
    }
  };

  // The events topic: each account's events on one partition, in arrival order.
  const logs: TelemetryEvent[][] = Array.from({ length: partitionCount }, () => []);
  for (const event of events) logs[partitionOf(event.accountId, partitionCount)]?.push(event);
  const read = logs.map(() => 0);
  const newestByPartition: (string | null)[] = logs.map(() => null);
  // The consumer reads the partitions in turn, a batch of each (partition order is all that counts).
  while (read.some((position, partition) => position < (logs[partition]?.length ?? 0))) {
    for (const [partition, log] of logs.entries()) {
      const from = read[partition] ?? 0;
      if (from >= log.length) continue;
      const batch = log.slice(from, from + batchSize);
      read[partition] = from + batch.length;
      const claimed = new Set<string>();
      for (const event of batch) {
        if (!seen.has(event.id)) claimed.add(event.id);
        seen.add(event.id);
      }
      const stored = new Map<string, StoredAccount>();
      for (const event of batch) {
        const account = accounts.get(event.accountId);
        if (claimed.has(event.id) && account) stored.set(event.accountId, account);
      }
      const applied = applyEventBatch(batch, claimed, stored, options.scorecard, { allowedLatenessDays, gracePeriodMs, consumesPrevious: true });
      for (const [accountId, account] of applied.accounts) accounts.set(accountId, account);
      counts.events += applied.fresh;
      counts.redelivered += applied.redelivered;
      counts.late += applied.late;
      counts.beyondLateness += applied.dropped.length;
      publish(applied.changes);
      const newest = newestByPartition[partition] ?? null;
      if (applied.newestEventTime !== null && (newest === null || applied.newestEventTime > newest)) newestByPartition[partition] = applied.newestEventTime;
      // The pipeline watermark as the DayRoller computes it in event mode (`pipelineWatermark`):
      // the minimum over the partitions with unread events, every partition read: the newest.
      const computed = pipelineWatermark(
        logs.map((log, index) => ({ partition: index, watermark: newestByPartition[index] ?? null, committedOffset: String(read[index] ?? 0), lowOffset: '0', highOffset: String(log.length) })),
        'event',
        null,
      );
      if (computed !== null && (watermark === null || computed > watermark)) watermark = computed;
      // The DayRoller's pass after the watermark moved: two grace periods, as there.
      const target = closableBoundary(watermark, 2 * gracePeriodMs);
      if (target !== null && (closedThrough === null || target > closedThrough)) {
        const closed = closeAccountsDays(new Map([...accounts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), target, options.scorecard, { consumesPrevious: true });
        for (const [accountId, account] of closed.accounts) accounts.set(accountId, account);
        publish(closed.changes);
        closedThrough = target;
      }
    }
  }

  const changesByAccount = new Map<string, ScoreChanged[]>();
  for (const change of changes) {
    const list = changesByAccount.get(change.accountId) ?? [];
    list.push(change);
    changesByAccount.set(change.accountId, list);
  }
  return { changes, changesByAccount, ...alerting.result(), accounts, watermark, closedThrough, counts };
}

/** The alerting side of the replay: AlertApplicationService.applyChange without the store. */
class ReplayAlerting {
  private readonly accounts = new Map<string, AccountAlerting>();
  readonly lifecycle: ReplayLifecycleEvent[] = [];
  private readonly budgetAlerts: number;
  private readonly budgetPeriodDays: number;

  constructor(private readonly options: ReplayOptions) {
    this.budgetAlerts = options.contactBudgetAlerts ?? replayDefaults.contactBudgetAlerts;
    this.budgetPeriodDays = options.contactBudgetPeriodDays ?? replayDefaults.contactBudgetPeriodDays;
  }

  result(): Pick<ReplayResult, 'lifecycle' | 'alerts' | 'incidents'> {
    const byOpening = <T extends { accountId: string; openedAt: string }>(a: T, b: T) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : a.openedAt < b.openedAt ? -1 : a.openedAt > b.openedAt ? 1 : 0);
    const all = [...this.accounts.values()];
    return {
      lifecycle: this.lifecycle,
      alerts: all.flatMap((account) => [...account.alerts.values()]).sort(byOpening),
      incidents: all.flatMap((account) => [...account.incidents.values()]).sort(byOpening),
    };
  }

  apply(change: ScoreChanged): void {
    const ruleSet = this.options.ruleSet;
    const account = this.account(change.accountId);
    const until = Date.parse(change.eventTime);
    const history = account.points.filter((point) => Date.parse(point.eventTime) >= until - HISTORY_MS && Date.parse(point.eventTime) <= until);
    const active: ReplayAlert[] = [];
    const lastResolved = new Map<string, ReplayAlert>();
    for (const alert of [...account.alerts.values()].sort((a, b) => (a.openedAt < b.openedAt ? -1 : a.openedAt > b.openedAt ? 1 : 0))) {
      if (isActive(alert)) active.push(alert);
      else if (!lastResolved.has(alert.ruleId) || (alert.resolvedAt ?? '') >= (lastResolved.get(alert.ruleId)?.resolvedAt ?? '')) lastResolved.set(alert.ruleId, alert);
    }
    const now = decisionTimeOf(change.eventTime, [...active, ...lastResolved.values()]);
    const since = Date.parse(contactBudgetSince(now, this.budgetPeriodDays));
    let budgetLeft = this.budgetAlerts - [...account.incidents.values()].filter((incident) => Date.parse(incident.openedAt) >= since).length;
    const route = routeTo({ csmId: change.account.csmId, arrUsd: arrUsdFromMrr(change.account.mrr), segment: change.after.segment });

    if (isChurned(change)) {
      account.holds.clear();
      for (const resolved of resolveForChurn(active, now)) this.saveAlert(change, { ...(account.alerts.get(resolved.alertId) as ReplayAlert), ...resolved }, 'resolved', now);
      this.recordScore(account, change);
      this.foldIncidents(change, now, 'churned');
      return;
    }

    const activeRuleIds = new Set(active.map((alert) => alert.ruleId));
    for (const evaluated of evaluateScoreRules(change, history, ruleSet, activeRuleIds)) {
      const rule = findRule(ruleSet, evaluated.ruleId);
      if (!rule) continue;
      const held = applyHysteresis(evaluated, rule, activeRuleIds.has(rule.id), account.holds.get(rule.id) ?? null, now);
      if (held.next && (held.next.firingSince !== undefined || held.next.clearSince !== undefined)) account.holds.set(rule.id, held.next);
      else account.holds.delete(rule.id);
      if (held.verdict !== 'pass') continue;
      const existing = active.find((alert) => alert.ruleId === rule.id) ?? lastResolved.get(rule.id) ?? null;
      const joinsIncident = joinsActiveIncident(rule.category, active);
      const decision = decide(existing, held.outcome, {
        now,
        accountId: change.accountId,
        newAlertId: alertIdFor(change.changeId, rule.id),
        rule,
        inhibited: isInhibited(rule, active, change.after.segment, ruleSet),
        supportingOnly: isSupportingOnly(rule, active),
        contactBudgetLeft: joinsIncident ? Number.POSITIVE_INFINITY : budgetLeft,
      });
      if (decision.kind === 'open') {
        const alert: ReplayAlert = { ...decision.alert, queue: route.queue, csmId: change.account.csmId ?? null, incidentId: null };
        this.saveAlert(change, alert, 'opened', now);
        active.push(alert);
        if (!joinsIncident) budgetLeft -= 1;
      } else if (decision.kind === 'update' || decision.kind === 'resolve') {
        const previous = active.find((alert) => alert.alertId === decision.alert.alertId);
        if (!previous) continue;
        const alert: ReplayAlert = { ...previous, ...decision.alert };
        this.saveAlert(change, alert, decision.kind === 'update' ? 'updated' : 'resolved', now);
        active.splice(active.indexOf(previous), 1, ...(decision.kind === 'update' ? [alert] : []));
      }
    }
    for (const resolved of resolveSupportingLeftAlone(active, now, ruleSet)) {
      const previous = active.find((alert) => alert.alertId === resolved.alertId) as ReplayAlert;
      this.saveAlert(change, { ...previous, ...resolved }, 'resolved', now);
      active.splice(active.indexOf(previous), 1);
    }
    this.recordScore(account, change);
    this.foldIncidents(change, now);
  }

  private saveAlert(change: ScoreChanged, alert: ReplayAlert, kind: 'opened' | 'updated' | 'resolved', at: string): void {
    this.account(alert.accountId).alerts.set(alert.alertId, alert);
    this.lifecycle.push({ entity: 'alert', kind, at, alert, changeId: change.changeId });
  }

  /** AccountWorkingSet.recordScore: not a score on insufficient data; forget points beyond the history. */
  private recordScore(account: AccountAlerting, change: ScoreChanged): void {
    if (change.after.insufficientData) return;
    const at = Date.parse(change.eventTime);
    const eventTime = new Date(at).toISOString();
    account.points = [...account.points.filter((point) => point.eventTime !== eventTime && Date.parse(point.eventTime) >= at - HISTORY_MS), { eventTime, health: change.after.health }].sort((a, b) =>
      a.eventTime < b.eventTime ? -1 : a.eventTime > b.eventTime ? 1 : 0,
    );
  }

  /** IncidentBook.fold per category after the change's alert decisions. */
  private foldIncidents(change: ScoreChanged, now: string, outcome?: 'churned'): void {
    const account = this.account(change.accountId);
    for (const category of categories) {
      const current = [...account.incidents.values()].find((incident) => incident.category === category && isActive(incident)) ?? null;
      const members = [...account.alerts.values()]
        .filter((alert) => alert.category === category && (isActive(alert) || (current !== null && alert.incidentId === current.incidentId)))
        .sort((a, b) => Date.parse(a.openedAt) - Date.parse(b.openedAt) || (a.alertId < b.alertId ? -1 : a.alertId > b.alertId ? 1 : 0));
      const activeMembers = members.filter(isActive);
      const decision = foldIncident(current, members, {
        now,
        accountId: change.accountId,
        category,
        newIncidentId: incidentIdFor(change.accountId, category, activeMembers.map((alert) => alert.alertId)),
        ...(outcome ? { outcome } : {}),
      });
      if (!decision.incident) continue;
      const previous = account.incidents.get(decision.incident.incidentId);
      // The queue of its highest-priority alert when it opens (here: its first active alert), kept after.
      const incident: ReplayIncident = { ...decision.incident, ...(previous ? { openedAt: previous.openedAt } : {}), queue: previous?.queue ?? activeMembers[0]?.queue ?? 'unrouted' };
      account.incidents.set(incident.incidentId, incident);
      if (isActive(incident)) {
        for (const alert of activeMembers) if (alert.incidentId !== incident.incidentId) account.alerts.set(alert.alertId, { ...alert, incidentId: incident.incidentId });
      }
      if (decision.kind !== 'none') this.lifecycle.push({ entity: 'incident', kind: decision.kind === 'open' ? 'opened' : decision.kind === 'update' ? 'updated' : 'resolved', at: now, incident, changeId: change.changeId });
    }
  }

  private account(accountId: string): AccountAlerting {
    let account = this.accounts.get(accountId);
    if (!account) {
      account = { alerts: new Map(), incidents: new Map(), holds: new Map(), points: [] };
      this.accounts.set(accountId, account);
    }
    return account;
  }
}

/** The partition of an account's events: a 32-bit FNV-1a hash of its id, modulo `partitions`. */
export function partitionOf(accountId: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < accountId.length; index += 1) {
    hash ^= accountId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}

/** One line of a history: a native `POST /v1/events` event and when it arrived (absent: at its event time). */
export interface HistoryEvent {
  readonly arrivedAt?: string;
  readonly event: NativeEvent;
}

/**
 * A history's events as ingestion publishes them (`toTelemetryEvent`, source `native`), in the
 * given order. `trusted`: the history's owner attributes apply, as from a key with the
 * `accounts:write` scope (the backtest's and the determinism replays' setting). The events are
 * taken as valid: read them with libs/testing's `parseHistoryLine`, which checks them.
 */
export function telemetryEventsOf(history: readonly HistoryEvent[], trusted = true): TelemetryEvent[] {
  return history.map(({ arrivedAt, event }) => toTelemetryEvent(event, arrivedAt ?? event.timestamp, 'native', trusted));
}
