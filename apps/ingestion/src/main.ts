import 'reflect-metadata';
import { loadEnv, runService } from '@bellwether/platform';
import { startIngestion } from './ingestion.app';
import { IngestionEnv } from './ingestion.env';

runService('ingestion', (logger) => startIngestion(loadEnv(IngestionEnv), logger));
