import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DAY_MS, type AlertCategory, type ScoreChanged } from '@bellwether/contracts';
import { contactBudgetSince, type HysteresisState, type ScorePoint } from '@bellwether/alerting-domain';
import { AlertingEnv } from '../alerting.env';
import { asStoredHold, asStoredIncident, IncidentRepository, type StoredIncident } from '../incidents/incident.repository';
import { AlertRepository, asStored, HISTORY_DAYS, type AccountScorePoint, type AlertWrite, type StoredAlert } from './alert.repository';

const HISTORY_MS = HISTORY_DAYS * DAY_MS;

/** What a batch read of one account (instants as ISO-8601, as stored). */
interface AccountData {
  readonly alerts: Map<string, StoredAlert>;
  readonly incidents: Map<string, StoredIncident>;
  readonly holds: Map<string, HysteresisState>;
  /** Score points by event time (epoch ms). */
  readonly points: Map<number, AccountScorePoint>;
  /** The lower bound of the score points read (ISO-8601): every stored point below it is older than any change's history. */
  readonly pointsSince: string;
  /** Whether a change recorded a score point (which deletes the points older than its history). */
  recorded: boolean;
}

/**
 * The alerting state of a batch's accounts, read once (their rows locked) and changed in memory
 * while the batch's changes are decided in order, then written back set-based by
 * `AccountWorkingSetStore.flush`. Every read answers what a query of the stored rows would answer
 * after the earlier changes' writes (as the per-change queries did before batches were set-based):
 * stored values go through the normalization a re-read applies (`asStored`, `asStoredIncident`,
 * `asStoredHold`), so the decisions and the events are the same.
 */
export class AccountWorkingSet {
  private readonly accounts = new Map<string, AccountData>();
  private readonly loadedAlerts = new Set<string>();
  private readonly touchedAlerts = new Set<string>();
  private readonly linkedAlerts = new Set<string>();
  private readonly loadedIncidents = new Set<string>();
  private readonly savedIncidents = new Set<string>();
  private readonly touchedHolds = new Map<string, { accountId: string; ruleId: string }>();
  /** The score points read, per account: event time (ISO-8601 as stored) → health. */
  private readonly loadedPoints = new Map<string, Map<string, number>>();

  /**
   * `pointsSince`: per account the lower bound of the score points read (ISO-8601). The other
   * arguments are the stored rows `AccountWorkingSetStore.load` read.
   */
  constructor(
    read: {
      readonly pointsSince: ReadonlyMap<string, string>;
      readonly alerts: readonly StoredAlert[];
      readonly incidents: readonly StoredIncident[];
      readonly holds: ReadonlyMap<string, ReadonlyMap<string, HysteresisState>>;
      readonly points: readonly AccountScorePoint[];
    },
  ) {
    for (const [accountId, pointsSince] of read.pointsSince) {
      this.accounts.set(accountId, { alerts: new Map(), incidents: new Map(), holds: new Map(read.holds.get(accountId) ?? []), points: new Map(), pointsSince, recorded: false });
    }
    for (const alert of read.alerts) {
      this.account(alert.accountId).alerts.set(alert.alertId, alert);
      this.loadedAlerts.add(alert.alertId);
    }
    for (const incident of read.incidents) {
      this.account(incident.accountId).incidents.set(incident.incidentId, incident);
      this.loadedIncidents.add(incident.incidentId);
    }
    for (const point of read.points) {
      this.account(point.accountId).points.set(Date.parse(point.eventTime), point);
      const read = this.loadedPoints.get(point.accountId) ?? new Map<string, number>();
      read.set(point.eventTime, point.health);
      this.loadedPoints.set(point.accountId, read);
    }
  }

  /** The account's active alerts (by opened time, then as opened in the batch), and for each rule its latest resolved one. */
  alertsOf(accountId: string): { active: StoredAlert[]; lastResolved: Map<string, StoredAlert> } {
    const active: StoredAlert[] = [];
    const lastResolved = new Map<string, StoredAlert>();
    for (const alert of this.account(accountId).alerts.values()) {
      if (alert.status !== 'resolved') {
        active.push(alert);
        continue;
      }
      const latest = lastResolved.get(alert.ruleId);
      if (!latest || Date.parse(alert.resolvedAt ?? '') >= Date.parse(latest.resolvedAt ?? '')) lastResolved.set(alert.ruleId, alert);
    }
    return { active, lastResolved };
  }

  /** The account's active alerts of the category plus every alert of `incidentId`, by opened time then id. */
  groupMembers(accountId: string, category: AlertCategory, incidentId: string | null): StoredAlert[] {
    return [...this.account(accountId).alerts.values()]
      .filter((alert) => alert.category === category && (alert.status !== 'resolved' || (incidentId !== null && alert.incidentId === incidentId)))
      .sort((a, b) => Date.parse(a.openedAt) - Date.parse(b.openedAt) || (a.alertId < b.alertId ? -1 : a.alertId > b.alertId ? 1 : 0));
  }

  /** The active incident of (account, category), or null. */
  activeIncident(accountId: string, category: AlertCategory): StoredIncident | null {
    return [...this.account(accountId).incidents.values()].find((incident) => incident.category === category && incident.status !== 'resolved') ?? null;
  }

  /** Incidents of the account opened at or after `since` (ISO-8601), the batch's own included. */
  openedSince(accountId: string, since: string): number {
    const bound = Date.parse(since);
    return [...this.account(accountId).incidents.values()].filter((incident) => Date.parse(incident.openedAt) >= bound).length;
  }

  /** The account's score points in [eventTime − 30 days, eventTime], oldest first. */
  recentScores(accountId: string, eventTime: string): ScorePoint[] {
    const until = Date.parse(eventTime);
    return [...this.account(accountId).points.entries()]
      .filter(([at]) => at >= until - HISTORY_MS && at <= until)
      .sort(([a], [b]) => a - b)
      .map(([, point]) => ({ eventTime: point.eventTime, health: point.health }));
  }

  /** Records the change's score (not one on insufficient data) and forgets the account's points older than its history. */
  recordScore(change: ScoreChanged): void {
    if (change.after.insufficientData) return;
    const account = this.account(change.accountId);
    const at = Date.parse(change.eventTime);
    account.points.set(at, { accountId: change.accountId, eventTime: new Date(at).toISOString(), health: change.after.health });
    for (const time of [...account.points.keys()]) if (time < at - HISTORY_MS) account.points.delete(time);
    account.recorded = true;
  }

  /** The hysteresis state of each rule of the account that has one. */
  holdsOf(accountId: string): Map<string, HysteresisState> {
    return new Map(this.account(accountId).holds);
  }

  /** Stores (or with null or an empty state deletes) the hysteresis state of (account, rule). */
  saveHold(accountId: string, ruleId: string, state: HysteresisState | null): void {
    const stored = asStoredHold(state);
    if (stored) this.account(accountId).holds.set(ruleId, stored);
    else this.account(accountId).holds.delete(ruleId);
    this.touchedHolds.set(`${accountId}\u0000${ruleId}`, { accountId, ruleId });
  }

  /** A churned account forgets every pending hold and clearing. */
  dropHolds(accountId: string): void {
    for (const ruleId of [...this.account(accountId).holds.keys()]) this.saveHold(accountId, ruleId, null);
  }

  /** Stores an opened alert (as `insert`) or an alert's new state (as `update`). */
  saveAlert(alert: StoredAlert): void {
    const alerts = this.account(alert.accountId).alerts;
    const previous = alerts.get(alert.alertId);
    // `update` leaves the work fields and the incident as stored; `insert` stores none.
    const work = previous
      ? { slaDueAt: previous.slaDueAt, escalatedTo: previous.escalatedTo, acknowledgedAt: previous.acknowledgedAt, note: previous.note, incidentId: previous.incidentId }
      : { escalatedTo: null, acknowledgedAt: null, note: null, incidentId: null };
    alerts.set(alert.alertId, asStored({ ...alert, ...work }));
    this.touchedAlerts.add(alert.alertId);
  }

  /** Stores the incident (insert or replace, as `save`: its opened time stays the stored one) and links the alerts to it. */
  saveIncident(incident: StoredIncident, link: readonly string[]): void {
    const account = this.account(incident.accountId);
    const previous = account.incidents.get(incident.incidentId);
    const stored = asStoredIncident(incident);
    account.incidents.set(incident.incidentId, previous ? { ...stored, openedAt: previous.openedAt } : stored);
    this.savedIncidents.add(incident.incidentId);
    for (const alertId of link) {
      const alert = account.alerts.get(alertId);
      if (!alert || alert.incidentId === incident.incidentId) continue;
      account.alerts.set(alertId, { ...alert, incidentId: incident.incidentId });
      this.linkedAlerts.add(alertId);
    }
  }

  /** What the batch changed, as the repositories' batch writes take it. */
  writes() {
    const alertsById = new Map<string, StoredAlert>();
    const holdWrites: { accountId: string; ruleId: string; state: HysteresisState | null }[] = [];
    const upserts: AccountScorePoint[] = [];
    const deletes: Pick<AccountScorePoint, 'accountId' | 'eventTime'>[] = [];
    const deleteBefore: { accountId: string; before: string }[] = [];
    const incidentsById = new Map<string, StoredIncident>();
    for (const [accountId, account] of this.accounts) {
      for (const alert of account.alerts.values()) alertsById.set(alert.alertId, alert);
      for (const incident of account.incidents.values()) incidentsById.set(incident.incidentId, incident);
      if (!account.recorded) continue;
      const read = this.loadedPoints.get(accountId) ?? new Map<string, number>();
      const kept = new Set<string>();
      for (const point of account.points.values()) {
        kept.add(point.eventTime);
        if (read.get(point.eventTime) !== point.health) upserts.push(point);
      }
      deleteBefore.push({ accountId, before: account.pointsSince });
      for (const eventTime of read.keys()) if (!kept.has(eventTime)) deletes.push({ accountId, eventTime });
    }
    for (const { accountId, ruleId } of this.touchedHolds.values()) holdWrites.push({ accountId, ruleId, state: this.account(accountId).holds.get(ruleId) ?? null });
    const changedAlerts = [...new Set([...this.touchedAlerts, ...this.linkedAlerts])].map((alertId) => alertsById.get(alertId) as StoredAlert);
    const savedIncidents = [...this.savedIncidents].map((incidentId) => incidentsById.get(incidentId) as StoredIncident);
    return {
      existingAlerts: changedAlerts.filter((alert) => this.loadedAlerts.has(alert.alertId)).map((alert): AlertWrite => ({ alert, touched: this.touchedAlerts.has(alert.alertId) })),
      insertedAlerts: changedAlerts.filter((alert) => !this.loadedAlerts.has(alert.alertId)),
      existingIncidents: savedIncidents.filter((incident) => this.loadedIncidents.has(incident.incidentId)),
      otherIncidents: savedIncidents.filter((incident) => !this.loadedIncidents.has(incident.incidentId)),
      holds: holdWrites,
      scorePoints: { upserts, deletes, deleteBefore },
    };
  }

  private account(accountId: string): AccountData {
    const account = this.accounts.get(accountId);
    if (!account) throw new Error(`account ${accountId} is not in the batch's working set`);
    return account;
  }
}

/**
 * Reads a batch's working set and writes it back, in the caller's transaction, each step a
 * constant number of statements whatever the batch's size: `load` locks the accounts (one
 * statement, keys in ascending order) then reads their score points, alerts, incidents and
 * hysteresis (one statement each); `flush` writes score points, alerts, incidents and hysteresis
 * (at most two statements each).
 */
@Injectable()
export class AccountWorkingSetStore {
  constructor(
    private readonly env: AlertingEnv,
    private readonly alerts: AlertRepository,
    private readonly incidents: IncidentRepository,
  ) {}

  /** Locks and reads what `changes` (their accounts' score changes of a batch) decide on. */
  async load(manager: EntityManager, changes: readonly ScoreChanged[]): Promise<AccountWorkingSet> {
    const range = new Map<string, { min: number; max: number }>();
    for (const change of changes) {
      const at = Date.parse(change.eventTime);
      const seen = range.get(change.accountId);
      range.set(change.accountId, seen ? { min: Math.min(seen.min, at), max: Math.max(seen.max, at) } : { min: at, max: at });
    }
    const accountIds = [...range.keys()].sort();
    await this.alerts.lockAccounts(manager, accountIds);
    const pointsSince = new Map(accountIds.map((accountId) => [accountId, new Date((range.get(accountId)?.min ?? 0) - HISTORY_MS).toISOString()]));
    const points = await this.alerts.scorePointsIn(
      manager,
      accountIds.map((accountId) => ({ accountId, since: pointsSince.get(accountId) as string, until: new Date(range.get(accountId)?.max ?? 0).toISOString() })),
    );
    const alerts = await this.alerts.alertsOfAccounts(manager, accountIds);
    // A change decides at or after its event time, so its budget window starts no earlier than this.
    const incidents = await this.incidents.ofAccounts(
      manager,
      accountIds.map((accountId) => ({ accountId, since: contactBudgetSince(new Date(range.get(accountId)?.min ?? 0).toISOString(), this.env.CONTACT_BUDGET_PERIOD_DAYS) })),
    );
    const holds = await this.incidents.hysteresisOfAccounts(manager, accountIds);
    return new AccountWorkingSet({ pointsSince, alerts, incidents, holds, points });
  }

  /** Writes what the batch changed in `set`. */
  async flush(manager: EntityManager, set: AccountWorkingSet): Promise<void> {
    const writes = set.writes();
    await this.alerts.writeScorePoints(manager, writes.scorePoints);
    await this.alerts.writeAlerts(manager, writes.existingAlerts, writes.insertedAlerts);
    await this.incidents.saveMany(manager, writes.existingIncidents, writes.otherIncidents);
    await this.incidents.writeHysteresis(manager, writes.holds);
  }
}
