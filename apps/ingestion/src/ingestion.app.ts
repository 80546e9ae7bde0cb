import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startService, trustProxySetting, type AppLogger } from '@bellwether/platform';
import { useStrictJsonBodies } from './http/strict-json.parser';
import type { IngestionEnv } from './ingestion.env';
import { IngestionModule } from './ingestion.module';

/**
 * A body over the limit is still read and discarded up to this many times the limit (4 MB by
 * default), so the client reads its 413 instead of a reset connection.
 */
const DRAIN_FACTOR = 8;

/** Starts the ingestion service (used by main.ts and by the in-process integration tests). */
export function startIngestion(env: IngestionEnv, logger: AppLogger): Promise<NestFastifyApplication> {
  return startService(IngestionModule.forRoot(env, logger), {
    service: 'ingestion',
    port: env.PORT,
    trustProxy: trustProxySetting(env),
    host: env.BIND_ADDRESS,
    logger,
    bodyLimitBytes: env.MAX_BODY_BYTES,
    bodyParser: false,
    configure: (app) => useStrictJsonBodies(app.getHttpAdapter().getInstance(), { maxBodyBytes: env.MAX_BODY_BYTES, maxDrainBytes: env.MAX_BODY_BYTES * DRAIN_FACTOR }),
  });
}
