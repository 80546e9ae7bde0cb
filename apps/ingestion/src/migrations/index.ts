import { IngestionInit1763900000000 } from './1763900000000-ingestion-init';
import { UserAccounts1763900000001 } from './1763900000001-user-accounts';
import { IngestionOutbox1763900000002 } from './1763900000002-ingestion-outbox';
import { DirectoryAndOwnership1763900000003 } from './1763900000003-directory-and-ownership';
import { AccountEconomics1763900000004 } from './1763900000004-account-economics';
import { DirectoryCsmEmail1763900000005 } from './1763900000005-directory-csm-email';

/** This service's Postgres schema: no other service reads or writes it. */
export const INGESTION_SCHEMA = 'ingestion';

/** Every migration of the schema, oldest first. */
export const ingestionMigrations = [IngestionInit1763900000000, UserAccounts1763900000001, IngestionOutbox1763900000002, DirectoryAndOwnership1763900000003, AccountEconomics1763900000004, DirectoryCsmEmail1763900000005];
