import { createHash } from 'node:crypto';
import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { DataSource, EntityManager } from 'typeorm';
import { Counter } from 'prom-client';
import { DAY_MS, Topics, type AlertCategory, type AlertLifecycleEvent, type IncidentLifecycleEvent, type ScoreChanged } from '@bellwether/contracts';
import {
  applyHysteresis,
  arrUsdFromMrr,
  decide,
  isChurned,
  resolveForChurn,
  defaultRuleSet,
  evaluateScoreRules,
  findRule,
  isInhibited,
  isSupportingOnly,
  resolveSupportingLeftAlone,
  joinsActiveIncident,
  priorityOf,
  routeTo,
  slaDueAt,
  type AlertRuleConfig,
} from '@bellwether/alerting-domain';
import type { BatchResults, DecodedBatch } from '@bellwether/kafka';
import { OutboxRelay, PipelineClock, SERVICE_DATA_SOURCE } from '@bellwether/platform';
import { AlertingEnv } from '../alerting.env';
import { AlertEvents } from './alert-events';
import { IncidentBook } from '../incidents/incident-book';
import { IncidentRepository } from '../incidents/incident.repository';
import { AlertRepository, lifecycleEvent, withState, type StoredAlert } from './alert.repository';

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
interface ChangeEvents {
  readonly alerts: AlertLifecycleEvent[];
  readonly incidents: IncidentLifecycleEvent[];
}

/**
 * Consumes `bellwether.scores.v1`: evaluates the rules on each score change, passes each outcome
 * through hysteresis (holds-for / clear-for, state per (account, rule)) and applies the lifecycle
 * decisions (open / update / resolve / suppress) to the queue store, then folds the account's
 * alerts into its incidents (one per category), with the `bellwether.alerts.v1` and
 * `bellwether.incidents.v1` events in the outbox, in one transaction per batch. A change of a
 * churned account (`account.churnedAt`) evaluates nothing: it resolves every active alert and
 * incident with outcome `churned` and drops the hysteresis state. Change ids already processed
 * are skipped, so a redelivered change never opens a second alert.
 */
@Controller()
export class ScoreChangesConsumer {
  constructor(
    @Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay,
    private readonly env: AlertingEnv,
    private readonly events: AlertEvents,
    private readonly clock: PipelineClock,
    private readonly repository: AlertRepository,
    private readonly incidents: IncidentRepository,
    private readonly book: IncidentBook,
  ) {}

  @EventPattern(Topics.scores)
  async handle(@Payload() batch: DecodedBatch<ScoreChanged>): Promise<BatchResults> {
    const events = await this.dataSource.transaction(async (manager) => {
      const fresh = await this.repository.claimChanges(manager, batch.records.map((record) => record.value.changeId));
      const changes = batch.records
        .map((record) => record.value)
        .filter((change) => fresh.has(change.changeId))
        .sort((a, b) => a.accountId.localeCompare(b.accountId) || a.sequence - b.sequence);
      const lifecycle: AlertLifecycleEvent[] = [];
      const incidentEvents: IncidentLifecycleEvent[] = [];
      for (const change of changes) {
        const emitted = await this.applyChange(manager, change);
        lifecycle.push(...emitted.alerts);
        incidentEvents.push(...emitted.incidents);
      }
      await this.events.emit(manager, lifecycle);
      await this.events.emitIncidents(manager, incidentEvents);
      return lifecycle.length + incidentEvents.length;
    });
    if (events > 0) this.relay.nudge();
    return new Map();
  }

  private async applyChange(manager: EntityManager, change: ScoreChanged): Promise<ChangeEvents> {
    await this.repository.lockAccount(manager, change.accountId);
    const history = await this.repository.recentScores(manager, change.accountId, change.eventTime);
    const { active, lastResolved } = await this.repository.alertsOf(manager, change.accountId);
    // A late event's re-score carries its own (earlier) event time; the account's alert lifecycle
    // still only moves forward, so its decisions are stamped with the latest time the account saw.
    const seen = [...active, ...lastResolved.values()].flatMap((alert) => [alert.lastSeenAt, alert.resolvedAt ?? '']);
    const now = seen.reduce((latest, time) => (time > latest ? time : latest), change.eventTime);
    const periodStart = new Date(Date.parse(now) - this.env.CONTACT_BUDGET_PERIOD_DAYS * DAY_MS).toISOString();
    // The contact budget caps queue items: incidents opened in the period. An alert that joins an
    // active incident of its category adds a listed rule, not a queue item, so it spends none.
    let budgetLeft = this.env.CONTACT_BUDGET_ALERTS - (await this.incidents.openedSince(manager, change.accountId, periodStart));
    const arrUsd = arrUsdFromMrr(change.account.mrr);
    const route = routeTo({ csmId: change.account.csmId, arrUsd, segment: change.after.segment });
    const emitted: AlertLifecycleEvent[] = [];

    if (isChurned(change)) {
      alertMetrics.churnedChanges.inc();
      await this.incidents.dropHysteresis(manager, change.accountId);
      for (const resolved of resolveForChurn(active, now)) {
        const previous = active.find((alert) => alert.alertId === resolved.alertId) as StoredAlert;
        const alert = withState(previous, resolved);
        await this.repository.update(manager, alert);
        alertMetrics.churnResolved.inc({ category: alert.category });
        emitted.push(lifecycleEvent('resolved', alert, now));
      }
      await this.repository.recordScore(manager, change);
      return this.foldIncidents(manager, change.accountId, now, emitted, 'churned');
    }

    const pending = await this.incidents.hysteresisOf(manager, change.accountId);
    const activeRuleIds = new Set(active.map((alert) => alert.ruleId));
    for (const evaluated of evaluateScoreRules(change, history, defaultRuleSet, activeRuleIds)) {
      const rule = findRule(defaultRuleSet, evaluated.ruleId);
      if (!rule) continue;
      const previousHold = pending.get(rule.id) ?? null;
      const held = applyHysteresis(evaluated, rule, activeRuleIds.has(rule.id), previousHold, now);
      if (JSON.stringify(held.next) !== JSON.stringify(previousHold)) await this.incidents.saveHysteresis(manager, change.accountId, rule.id, held.next);
      if (held.verdict !== 'pass') {
        alertMetrics.held.inc({ rule: rule.id, verdict: held.verdict });
        continue;
      }
      const outcome = held.outcome;
      const existing = active.find((alert) => alert.ruleId === rule.id) ?? lastResolved.get(rule.id) ?? null;
      const joinsIncident = joinsActiveIncident(rule.category, active);
      const decision = decide(existing, outcome, {
        now,
        accountId: change.accountId,
        newAlertId: alertIdFor(change.changeId, rule.id),
        rule,
        inhibited: isInhibited(rule, active, change.after.segment),
        supportingOnly: isSupportingOnly(rule, active),
        contactBudgetLeft: joinsIncident ? Number.POSITIVE_INFINITY : budgetLeft,
      });
      switch (decision.kind) {
        case 'open': {
          const slaSeconds = slaSecondsOf(rule, this.env.ESCALATION_SLA_SECONDS);
          // Live, the SLA starts no earlier than now (late data keeps its whole SLA); in event mode
          // only the opening event time counts, so a replay escalates at the same event time.
          const queuedAt = this.clock.mode === 'wall' ? this.clock.now() : null;
          const alert: StoredAlert = {
            ...decision.alert,
            priority: priorityOf(decision.alert.severity, arrUsd),
            queue: route.queue,
            csmId: change.account.csmId ?? null,
            slaDueAt: slaSeconds === null ? null : slaDueAt(decision.alert.openedAt, slaSeconds, queuedAt),
          };
          await this.repository.insert(manager, alert);
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
          const alert: StoredAlert = { ...withState(previous, decision.alert), priority: priorityOf(decision.alert.severity, arrUsd) };
          await this.repository.update(manager, alert);
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
    for (const resolved of resolveSupportingLeftAlone(active, now)) {
      const previous = active.find((alert) => alert.alertId === resolved.alertId) as StoredAlert;
      const alert = withState(previous, resolved);
      await this.repository.update(manager, alert);
      active.splice(active.indexOf(previous), 1);
      alertMetrics.resolved.inc({ rule: alert.ruleId });
      emitted.push(lifecycleEvent('resolved', alert, now));
    }
    await this.repository.recordScore(manager, change);
    return this.foldIncidents(manager, change.accountId, now, emitted);
  }

  /**
   * Folds both categories' alerts into their incidents after the change's alert decisions, and
   * stamps the alert events with the incident of their category (an opening alert's incident is
   * only known now).
   */
  private async foldIncidents(manager: EntityManager, accountId: string, now: string, alerts: AlertLifecycleEvent[], outcome?: 'churned'): Promise<ChangeEvents> {
    const incidents: IncidentLifecycleEvent[] = [];
    const incidentOf = new Map<AlertCategory, string>();
    for (const category of categories) {
      const folded = await this.book.refold(manager, accountId, category, now, outcome ? { outcome } : {});
      if (folded.incident) incidentOf.set(category, folded.incident.incidentId);
      if (folded.event) incidents.push(folded.event);
    }
    const stamped = alerts.map((event) => {
      const incidentId = event.incidentId ?? incidentOf.get(event.category);
      return incidentId ? { ...event, incidentId } : event;
    });
    return { alerts: stamped, incidents };
  }
}

/** P1 (critical) alerts must be acknowledged within the SLA; a rule may set its own (`slaHours`). */
function slaSecondsOf(rule: AlertRuleConfig, criticalSlaSeconds: number): number | null {
  const slaHours = rule.params['slaHours'];
  if (typeof slaHours === 'number' && slaHours > 0) return slaHours * 3600;
  return rule.severity === 'critical' ? criticalSlaSeconds : null;
}

/** Deterministic: reprocessing the same change proposes the same id. */
function alertIdFor(changeId: string, ruleId: string): string {
  return `al_${createHash('sha256').update(`${changeId}|${ruleId}`).digest('hex').slice(0, 24)}`;
}
