import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { activationPoint } from '@bellwether/contracts';
import { AdminAuditLog, APP_LOGGER, type AppLogger, Clock, ConfigVersionAdmin, ConfigVersionStore, OutboxRelay, PipelineClock, Transactions } from '@bellwether/platform';
import { type PlaybookSet, redefinedPlaybooks, validatePlaybookSet } from '@bellwether/playbook-domain';
import { PLAYBOOK_SCHEMA } from '../migrations';
import { PlaybookEnv } from '../playbook.env';
import { PLAYBOOK_BASE } from '../runs/playbook-definitions';
import { RunRepository } from '../runs/run.repository';
import { PLAYBOOKS_KIND, PlaybookSource } from './playbook-activations';

/**
 * Versions of the whole set of playbooks as immutable data (issue 18 §1), as scoring's
 * scorecards: the libs/platform `ConfigVersionAdmin` of kind `playbooks` (create a draft from a
 * body, `validatePlaybookSet`: every problem named by its path, with SMTP an email step needs a
 * template, nothing stored when it is refused; activate a version or roll back; each change
 * audited, each activation published right after its commit). A create that redefines a playbook
 * `(id, version)` a stored set holds with other content is refused with 409 (`redefinedPlaybooks`:
 * a playbook version is one definition). The record's `effectiveFrom` is 1 ms after the newest
 * trigger time the runs consumers have processed and never before the pipeline clock's now (the
 * pipeline watermark in CLOCK_MODE=event, the wall clock in wall mode): `activationPoint`. A run
 * is started with the set in force at its trigger's event time, so every trigger decided before
 * the activation keeps the set that decided it. At start, the PLAYBOOKS_DIR (or built-in) set is
 * stored as the first active version.
 */
@Injectable()
export class PlaybooksService extends ConfigVersionAdmin<PlaybookSet> implements OnApplicationBootstrap {
  constructor(
    transactions: Transactions,
    versions: ConfigVersionStore,
    audits: AdminAuditLog,
    relay: OutboxRelay,
    runs: RunRepository,
    pipelineClock: PipelineClock,
    playbooks: PlaybookSource,
    clock: Clock,
    env: PlaybookEnv,
    @Inject(PLAYBOOK_BASE) base: PlaybookSet,
    @Inject(APP_LOGGER) logger: AppLogger,
  ) {
    super(
      { transactions, versions, audits, schema: PLAYBOOK_SCHEMA, relay, clock, logger },
      {
        kind: PLAYBOOKS_KIND,
        noun: 'playbook set',
        fileVariable: 'PLAYBOOKS_DIR',
        base,
        parse: (body) => {
          const validated = validatePlaybookSet(body, { requireEmailTemplates: Boolean(env.SMTP_URL) });
          return validated.ok ? { ok: true, config: validated.set } : { ok: false, problems: validated.errors.map((error) => `${error.path === '' ? 'body' : error.path}: ${error.message}`) };
        },
        // After every trigger already decided (each topic partition's newest), never before the clock.
        effectiveFrom: async (manager) => activationPoint(pipelineClock.now(), await runs.triggerWatermarks(manager)),
        inForce: () => playbooks.timeline().latest.version,
        conflicts: (set, stored) => redefinedPlaybooks(set, stored),
      },
    );
  }

  onApplicationBootstrap(): Promise<void> {
    return this.storeBase();
  }
}
