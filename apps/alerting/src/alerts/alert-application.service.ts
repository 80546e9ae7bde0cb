import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { Counter } from 'prom-client';
import { type AlertCategory, type AlertLifecycleEvent, type IncidentLifecycleEvent, newestInstant, type ScoreChanged } from '@bellwether/contracts';
import {
  alertIdFor,
  applyHysteresis,
  arrUsdFromMrr,
  contactBudgetSince,
  decide,
  decisionTimeOf,
  evaluateScoreRules,
  findRule,
  isChurned,
  isInhibited,
  isSupportingOnly,
  joinsActiveIncident,
  placeOpenedAlert,
  priorityOf,
  resolveForChurn,
  resolveSupportingLeftAlone,
  routeTo,
  type RuleSetTimeline,
} from '@bellwether/alerting-domain';
import { PipelineClock, SERVICE_DATA_SOURCE } from '@bellwether/platform';
import { AlertingEnv } from '../alerting.env';
import { IncidentBook } from '../incidents/incident-book';
import { AlertEvents } from './alert-events';
import { AccountWorkingSetStore, type AccountWorkingSet } from './account-working-set';
import { AlertRepository, lifecycleEvent, withState, type StoredAlert } from './alert.repository';
import { RuleSetSource } from '../rule-sets/rule-set-activations';

const alertMetrics = {
  opened: new Counter({ name: 'bellwether_alerts_opened_total', help: 'Alerts opened, by rule', labelNames: ['rule', 'category'] as const }),
  updated: new Counter({ name: 'bellwether_alerts_retriggered_total', help: 'Re-triggers folded into an active alert', labelNames: ['rule'] as const }),
  resolved: new Counter({ name: 'bellwether_alerts_auto_resolved_total', help: 'Alerts resolved because the condition cleared', labelNames: ['rule'] as const }),
  suppressed: new Counter({ name: 'bellwether_alerts_suppressed_total', help: 'Alerts held back', labelNames: ['rule', 'reason'] as const }),
  held: new Counter({
    name: 'bellwether_alerts_hysteresis_held_total',
    help: 'Rule outcomes held by hysteresis: pending (firing, not yet for holdsForHours) or clearing (clear, not yet for clearForHours)',
    labelNames: ['rule', 'verdict'] as const,
  }),
  churnResolved: new Counter({ name: 'bellwether_alerts_churn_resolved_total', help: 'Active alerts resolved with outcome churned because their account churned', labelNames: ['category'] as const }),
  churnedChanges: new Counter({ name: 'bellwether_alerts_churned_changes_total', help: 'Score changes of churned accounts, on which no rule is evaluated' }),
};

const categories: readonly AlertCategory[] = ['risk', 'expansion'];

/** What one score change published: per-rule alert events and per-incident events. */
export interface ChangeEvents {
  readonly alerts: AlertLifecycleEvent[];
  readonly incidents: IncidentLifecycleEvent[];
}

/**
 * Applies score changes to the queue store: evaluates the rules on each change, passes each
 * outcome through hysteresis (holds-for / clear-for, state per (account, rule)) and applies the
 * lifecycle decisions (open / update / resolve / suppress) under the contact budget, then folds
 * the account's alerts into its incidents (one per category), with the `bellwether.alerts.v1`
 * and `bellwether.incidents.v1` events in the outbox, in one transaction per batch. Set-based:
 * the batch's accounts are locked and read at once (`AccountWorkingSetStore.load`), every change
 * is decided in memory in order (a later change of an account sees what the earlier ones did,
 * its budget window included), and the batch is written back at once; the statements per batch
 * stay constant as the batch grows. A change of a
 * churned account (`account.churnedAt`) evaluates nothing: it resolves every active alert and
 * incident with outcome `churned` and drops the hysteresis state. Change ids already processed
 * are skipped, so a redelivered change never opens a second alert. The rules of a change are the
 * rule set in force at the change's own event time (`RuleSetSource`: RULES_FILE or the built-in
 * default, then the versions activated through the admin API from their effectiveFrom on); every
 * alert a change opens, updates or resolves records the version that decided (`ruleSetVersion`). The decisions are the domain's pure functions;
 * this class reads, orders and stores.
 */
@Injectable()
export class AlertApplicationService {
  constructor(
    @Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly env: AlertingEnv,
    private readonly events: AlertEvents,
    private readonly clock: PipelineClock,
    private readonly alerts: AlertRepository,
    private readonly store: AccountWorkingSetStore,
    private readonly book: IncidentBook,
    private readonly ruleSets: RuleSetSource,
  ) {}

  /**
   * Applies a batch of changes in one transaction, each account's in sequence order, skipping
   * change ids already processed, each with the rule set in force at its event time (one timeline
   * for the whole batch). Returns how many lifecycle events (alert and incident) it put in the
   * outbox; a database error rejects and leaves nothing applied. With the scores topic's
   * `partition`, the claim also records the batch's newest event time for it (see `RuleSetsService`).
   */
  async applyBatch(batch: readonly ScoreChanged[], partition?: number): Promise<number> {
    const timeline = this.ruleSets.timeline();
    const newest = newestInstant(batch.map((change) => change.eventTime));
    return this.dataSource.transaction(async (manager) => {
      const fresh = await this.alerts.claimChanges(
        manager,
        batch.map((change) => change.changeId),
        partition !== undefined && newest !== null ? { partition, eventTime: newest } : undefined,
      );
      const changes = batch.filter((change) => fresh.has(change.changeId)).sort((a, b) => a.accountId.localeCompare(b.accountId) || a.sequence - b.sequence);
      if (changes.length === 0) return 0;
      const set = await this.store.load(manager, changes);
      const lifecycle: AlertLifecycleEvent[] = [];
      const incidentEvents: IncidentLifecycleEvent[] = [];
      for (const change of changes) {
        const emitted = this.applyChange(set, change, timeline);
        lifecycle.push(...emitted.alerts);
        incidentEvents.push(...emitted.incidents);
      }
      await this.store.flush(manager, set);
      await this.events.emit(manager, lifecycle);
      await this.events.emitIncidents(manager, incidentEvents);
      return lifecycle.length + incidentEvents.length;
    });
  }

  /**
   * One change of the batch, decided on and applied to the batch's working set (its account's
   * state as the earlier changes left it), with the rule set of `timeline` in force at the
   * change's event time.
   */
  applyChange(set: AccountWorkingSet, change: ScoreChanged, timeline: RuleSetTimeline = this.ruleSets.timeline()): ChangeEvents {
    const ruleSet = timeline.at(change.eventTime).config;
    const history = set.recentScores(change.accountId, change.eventTime);
    const { active, lastResolved } = set.alertsOf(change.accountId);
    const now = decisionTimeOf(change.eventTime, [...active, ...lastResolved.values()]);
    // The contact budget caps queue items: incidents opened in the period. An alert that joins an
    // active incident of its category adds a listed rule, not a queue item, so it spends none.
    let budgetLeft = this.env.CONTACT_BUDGET_ALERTS - set.openedSince(change.accountId, contactBudgetSince(now, this.env.CONTACT_BUDGET_PERIOD_DAYS));
    const arrUsd = arrUsdFromMrr(change.account.mrr);
    const route = routeTo({ csmId: change.account.csmId, arrUsd, segment: change.after.segment });
    const emitted: AlertLifecycleEvent[] = [];
    const ruleSetVersion = ruleSet.version;

    if (isChurned(change)) {
      alertMetrics.churnedChanges.inc();
      set.dropHolds(change.accountId);
      for (const resolved of resolveForChurn(active, now)) {
        const previous = active.find((alert) => alert.alertId === resolved.alertId) as StoredAlert;
        const alert: StoredAlert = { ...withState(previous, resolved), ruleSetVersion };
        set.saveAlert(alert);
        alertMetrics.churnResolved.inc({ category: alert.category });
        emitted.push(lifecycleEvent('resolved', alert, now));
      }
      set.recordScore(change);
      return this.foldIncidents(set, change.accountId, now, emitted, 'churned');
    }

    const pending = set.holdsOf(change.accountId);
    const activeRuleIds = new Set(active.map((alert) => alert.ruleId));
    for (const evaluated of evaluateScoreRules(change, history, ruleSet, activeRuleIds)) {
      const rule = findRule(ruleSet, evaluated.ruleId);
      if (!rule) continue;
      const previousHold = pending.get(rule.id) ?? null;
      const held = applyHysteresis(evaluated, rule, activeRuleIds.has(rule.id), previousHold, now);
      if (JSON.stringify(held.next) !== JSON.stringify(previousHold)) set.saveHold(change.accountId, rule.id, held.next);
      if (held.verdict !== 'pass') {
        alertMetrics.held.inc({ rule: rule.id, verdict: held.verdict });
        continue;
      }
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
      switch (decision.kind) {
        case 'open': {
          // Live, the SLA starts no earlier than now (late data keeps its whole SLA); in event mode
          // only the opening event time counts, so a replay escalates at the same event time.
          const queuedAt = this.clock.mode === 'wall' ? this.clock.now() : null;
          const placement = placeOpenedAlert(decision.alert, rule, {
            arrUsd,
            queue: route.queue,
            csmId: change.account.csmId ?? null,
            criticalSlaSeconds: this.env.ESCALATION_SLA_SECONDS,
            queuedAt,
          });
          const alert: StoredAlert = { ...decision.alert, ...placement, ruleSetVersion };
          set.saveAlert(alert);
          active.push(alert);
          if (!joinsIncident) budgetLeft -= 1;
          alertMetrics.opened.inc({ rule: rule.id, category: rule.category });
          emitted.push(lifecycleEvent('opened', alert, now));
          break;
        }
        case 'update':
        case 'resolve': {
          const previous = active.find((alert) => alert.alertId === decision.alert.alertId);
          if (!previous) break;
          const alert: StoredAlert = { ...withState(previous, decision.alert), priority: priorityOf(decision.alert.severity, arrUsd), ruleSetVersion };
          set.saveAlert(alert);
          active.splice(active.indexOf(previous), 1, ...(decision.kind === 'update' ? [alert] : []));
          (decision.kind === 'update' ? alertMetrics.updated : alertMetrics.resolved).inc({ rule: rule.id });
          emitted.push(lifecycleEvent(decision.kind === 'update' ? 'updated' : 'resolved', alert, now));
          break;
        }
        case 'suppress':
          alertMetrics.suppressed.inc({ rule: rule.id, reason: decision.reason });
          break;
        case 'none':
          break;
      }
    }
    // A supporting rule's alert does not keep an incident open on its own (`opensIncident: false`).
    for (const resolved of resolveSupportingLeftAlone(active, now, ruleSet)) {
      const previous = active.find((alert) => alert.alertId === resolved.alertId) as StoredAlert;
      const alert: StoredAlert = { ...withState(previous, resolved), ruleSetVersion };
      set.saveAlert(alert);
      active.splice(active.indexOf(previous), 1);
      alertMetrics.resolved.inc({ rule: alert.ruleId });
      emitted.push(lifecycleEvent('resolved', alert, now));
    }
    set.recordScore(change);
    return this.foldIncidents(set, change.accountId, now, emitted);
  }

  /**
   * Folds both categories' alerts into their incidents after the change's alert decisions, and
   * stamps the alert events with the incident of their category (an opening alert's incident is
   * only known now).
   */
  private foldIncidents(set: AccountWorkingSet, accountId: string, now: string, alerts: AlertLifecycleEvent[], outcome?: 'churned'): ChangeEvents {
    const incidents: IncidentLifecycleEvent[] = [];
    const incidentOf = new Map<AlertCategory, string>();
    for (const category of categories) {
      const current = set.activeIncident(accountId, category);
      const members = set.groupMembers(accountId, category, current?.incidentId ?? null);
      const folded = this.book.fold(current, members, { accountId, category, now, ...(outcome ? { options: { outcome } } : {}) });
      if (folded.incident) {
        set.saveIncident(folded.incident, folded.link);
        incidentOf.set(category, folded.incident.incidentId);
      }
      if (folded.event) incidents.push(folded.event);
    }
    const stamped = alerts.map((event) => {
      const incidentId = event.incidentId ?? incidentOf.get(event.category);
      return incidentId ? { ...event, incidentId } : event;
    });
    return { alerts: stamped, incidents };
  }
}
