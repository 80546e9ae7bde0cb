import { AlertingInit1763900000200 } from './1763900000200-alerting-init';
import { QueueWork1763900000201 } from './1763900000201-queue-work';
import { Incidents1763900000202 } from './1763900000202-incidents';
import { WebhookDeliveryLeases1763900000210 } from './1763900000210-webhook-delivery-leases';
import { ProcessedChangesRetention1763900000211 } from './1763900000211-processed-changes-retention';
import { AlertRuleSetVersion1763900000212 } from './1763900000212-alert-rule-set-version';
import { RuleSetVersionsAndAudit1763900000213 } from './1763900000213-rule-set-versions-and-audit';
import { ChangeWatermarks1763900000214 } from './1763900000214-change-watermarks';

/** This service's Postgres schema: no other service reads or writes it. */
export const ALERTING_SCHEMA = 'alerting';

/** Every migration of the schema, oldest first. */
export const alertingMigrations = [AlertingInit1763900000200, QueueWork1763900000201, Incidents1763900000202, WebhookDeliveryLeases1763900000210, ProcessedChangesRetention1763900000211, AlertRuleSetVersion1763900000212, RuleSetVersionsAndAudit1763900000213, ChangeWatermarks1763900000214];
