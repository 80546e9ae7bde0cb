import 'reflect-metadata';
import { Topics, validateAlertLifecycleEvent, validateClockTick, validatePlaybookRunEvent, validateTelemetryEvent } from '@bellwether/contracts';
import { consumerTransport, decoderFrom } from '@bellwether/kafka';
import { loadEnv, runService, startService, trustProxySetting } from '@bellwether/platform';
import { ScoringEnv } from './scoring.env';
import { SCORING_CONSUMER_GROUP, ScoringModule } from './scoring.module';

runService('scoring', async (logger) => {
  const env = loadEnv(ScoringEnv);
  return startService(ScoringModule.forRoot(env, logger), {
    service: 'scoring',
    port: env.PORT,
    trustProxy: trustProxySetting(env),
    host: env.BIND_ADDRESS,
    logger,
    transport: (app) =>
      consumerTransport(app, {
        env,
        groups: [
          {
            groupId: SCORING_CONSUMER_GROUP,
            decoders: {
              [Topics.events]: decoderFrom(validateTelemetryEvent),
              [Topics.clock]: decoderFrom(validateClockTick),
              [Topics.alerts]: decoderFrom(validateAlertLifecycleEvent),
              [Topics.playbookRuns]: decoderFrom(validatePlaybookRunEvent),
            },
          },
        ],
      }),
  });
});
