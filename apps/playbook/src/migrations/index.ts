import { PlaybookInit1763900000300 } from './1763900000300-playbook-init';
import { DeliveryRetries1763900000301 } from './1763900000301-delivery-retries';
import { KpiReadModel1763900000302 } from './1763900000302-kpi-read-model';
import { DeliveryLeases1763900000310 } from './1763900000310-delivery-leases';
import { ProcessedMessagesRetention1763900000311 } from './1763900000311-processed-messages-retention';
import { KpiContractStartEventTime1763900000312 } from './1763900000312-kpi-contract-start-event-time';
import { AccountSnapshotProfile1763900000313 } from './1763900000313-account-snapshot-profile';
import { KpiAccountEconomics1763900000314 } from './1763900000314-kpi-account-economics';
import { PlaybookVersionsAndAudit1763900000315 } from './1763900000315-playbook-versions-and-audit';
import { TriggerWatermarks1763900000316 } from './1763900000316-trigger-watermarks';

/** This service's Postgres schema: no other service reads or writes it. */
export const PLAYBOOK_SCHEMA = 'playbook';

/** Every migration of the schema, oldest first. */
export const playbookMigrations = [
  PlaybookInit1763900000300,
  DeliveryRetries1763900000301,
  KpiReadModel1763900000302,
  DeliveryLeases1763900000310,
  ProcessedMessagesRetention1763900000311,
  KpiContractStartEventTime1763900000312,
  AccountSnapshotProfile1763900000313,
  KpiAccountEconomics1763900000314,
  PlaybookVersionsAndAudit1763900000315,
  TriggerWatermarks1763900000316,
];
