import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startService, type AppLogger } from '@bellwether/platform';
import { useStrictJsonBodies } from './http/strict-json.parser';
import type { IngestionEnv } from './ingestion.env';
import { IngestionModule } from './ingestion.module';

/** Starts the ingestion service (used by main.ts and by the in-process integration tests). */
export function startIngestion(env: IngestionEnv, logger: AppLogger): Promise<NestFastifyApplication> {
  return startService(IngestionModule.forRoot(env, logger), {
    service: 'ingestion',
    port: env.PORT,
    logger,
    bodyLimitBytes: env.MAX_BODY_BYTES,
    bodyParser: false,
    configure: (app) => useStrictJsonBodies(app.getHttpAdapter().getInstance()),
  });
}
