import 'reflect-metadata';
import { runMigrationCommand } from '@bellwether/platform';
import { INGESTION_SCHEMA, ingestionMigrations } from './migrations';

runMigrationCommand(INGESTION_SCHEMA, ingestionMigrations);
