import 'reflect-metadata';
import { runMigrationCommand } from '@bellwether/platform';
import { ALERTING_SCHEMA, alertingMigrations } from './migrations';

runMigrationCommand(ALERTING_SCHEMA, alertingMigrations);
