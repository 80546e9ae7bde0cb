import { PlaybookInit1763900000300 } from './1763900000300-playbook-init';

/** This service's Postgres schema: no other service reads or writes it. */
export const PLAYBOOK_SCHEMA = 'playbook';

/** Every migration of the schema, oldest first. */
export const playbookMigrations = [PlaybookInit1763900000300];
