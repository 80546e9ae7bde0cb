import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { Counter } from 'prom-client';
import { wake } from '@bellwether/alerting-domain';
import { DirectoryRing } from '@bellwether/auth';
import { APP_LOGGER, type AppLogger, HealthRegistry, OutboxRelay, PipelineClock, PipelineTimerLoop, SERVICE_DATA_SOURCE } from '@bellwether/platform';
import { AlertingEnv } from '../alerting.env';
import { AlertEvents } from './alert-events';
import { IncidentBook } from '../incidents/incident-book';
import { AlertRepository, lifecycleEvent, withState, type StoredAlert } from './alert.repository';

const escalations = new Counter({ name: 'bellwether_alerts_escalated_total', help: 'Alerts escalated to a manager queue for missing their SLA', labelNames: ['rule'] as const });

/**
 * Timers of the queue, on the pipeline clock (`PipelineClock`: the wall clock live, the pipeline
 * watermark in event mode): an open alert past its SLA (P1, or a rule's own such as the 48-hour
 * NPS closed loop) escalates to its CSM's team manager queue; a snooze that ran out puts the
 * alert back in the queue. Before the first watermark of an event-mode run nothing is due. Each
 * advance of the watermark runs a pass at once; the interval is the floor. Rows are locked with
 * SKIP LOCKED, so replicas never act twice.
 */
@Injectable()
export class AlertTimers implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly loop: PipelineTimerLoop;

  constructor(
    @Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly directory: DirectoryRing,
    private readonly events: AlertEvents,
    private readonly relay: OutboxRelay,
    private readonly env: AlertingEnv,
    health: HealthRegistry,
    clock: PipelineClock,
    @Inject(APP_LOGGER) logger: AppLogger,
    private readonly repository: AlertRepository,
    private readonly book: IncidentBook,
  ) {
    this.loop = new PipelineTimerLoop({
      name: 'alert-timers',
      intervalMs: env.ALERT_TIMERS_INTERVAL_MS,
      failureMessage: 'alert timers failed; will retry',
      clock,
      health,
      logger,
      pass: (now) => this.applyDue(now),
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /**
   * One pass over the escalations and snoozes due at the pipeline clock's now; returns how many
   * alerts changed (0, doing nothing, while the clock has no time yet or when the pass failed).
   */
  tick(): Promise<number> {
    return this.loop.runOnce();
  }

  private async applyDue(now: string): Promise<number> {
    const changed = await this.dataSource.transaction(async (manager) => {
      const emitted = [];
      const touched: StoredAlert[] = [];
      for (const alert of await this.repository.dueForEscalation(manager, now, 100)) {
        const team = (alert.csmId ? this.directory.teamOfCsm(alert.csmId) : null) ?? this.env.DEFAULT_ESCALATION_TEAM;
        const escalated: StoredAlert = { ...alert, escalatedTo: `manager:${team}`, revision: alert.revision + 1 };
        await this.repository.markEscalated(manager, escalated, escalated.escalatedTo as string, now);
        escalations.inc({ rule: alert.ruleId });
        emitted.push(lifecycleEvent('escalated', escalated, now));
        touched.push(escalated);
      }
      for (const alert of await this.repository.dueToWake(manager, now, 100)) {
        const woken = wake(alert, now);
        if (!woken.ok) continue;
        const updated = withState(alert, woken.alert);
        await this.repository.update(manager, updated);
        emitted.push(lifecycleEvent('updated', updated, now));
        touched.push(updated);
      }
      // Their incidents follow: one escalates with its alert; a woken alert re-opens its incident.
      const incidentEvents = [];
      const groups = new Map(touched.filter((alert) => alert.incidentId).map((alert) => [`${alert.accountId}|${alert.category}`, alert]));
      for (const alert of groups.values()) {
        const folded = await this.book.refold(manager, alert.accountId, alert.category, now);
        if (folded.event) incidentEvents.push(folded.event);
      }
      await this.events.emit(manager, emitted);
      await this.events.emitIncidents(manager, incidentEvents);
      return emitted.length + incidentEvents.length;
    });
    if (changed > 0) this.relay.nudge();
    return changed;
  }
}
