import 'reflect-metadata';
import { runMigrationCommand } from '@bellwether/platform';
import { SCORING_SCHEMA, scoringMigrations } from './migrations';

runMigrationCommand(SCORING_SCHEMA, scoringMigrations);
