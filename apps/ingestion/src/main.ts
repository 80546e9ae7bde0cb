import 'reflect-metadata';
import { loadEnv, runService, startService } from '@bellwether/platform';
import { IngestionEnv } from './ingestion.env';
import { IngestionModule } from './ingestion.module';

runService('ingestion', async (logger) => {
  const env = loadEnv(IngestionEnv);
  return startService(IngestionModule.forRoot(env, logger), {
    service: 'ingestion',
    port: env.PORT,
    logger,
    bodyLimitBytes: env.MAX_BODY_BYTES,
    // JSON only: a text/plain body is answered 415 instead of being parsed as a string.
    configure: (app) => {
      app.getHttpAdapter().getInstance().removeContentTypeParser(['text/plain']);
    },
  });
});
