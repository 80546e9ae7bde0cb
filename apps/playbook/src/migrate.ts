import 'reflect-metadata';
import { runMigrationCommand } from '@bellwether/platform';
import { PLAYBOOK_SCHEMA, playbookMigrations } from './migrations';

runMigrationCommand(PLAYBOOK_SCHEMA, playbookMigrations);
