import 'reflect-metadata';
import { Topics, validateAlertLifecycleEvent, validateClockTick, validatePlaybookRunEvent, validateTelemetryEvent } from '@bellwether/contracts';
import { consumerTransport, decoderFrom } from '@bellwether/kafka';
import { loadEnv, runService, startService, trustProxySetting } from '@bellwether/platform';
import { poolSizeProblem, ScoringEnv } from './scoring.env';
import { SCORING_CONSUMER_GROUP, SCORING_SIDE_INPUTS_CONSUMER_GROUP, ScoringModule } from './scoring.module';

runService('scoring', async (logger) => {
  const env = loadEnv(ScoringEnv);
  const poolProblem = poolSizeProblem(env);
  if (poolProblem) throw new Error(poolProblem);
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
            decoders: { [Topics.events]: decoderFrom(validateTelemetryEvent) },
            partitionsConsumedConcurrently: env.SCORING_PARTITIONS_CONCURRENTLY,
            maxRecordsPerCall: env.SCORING_MAX_EVENTS_PER_TRANSACTION,
            maxBytesPerPartition: env.SCORING_FETCH_MAX_BYTES_PER_PARTITION,
            maxBytes: env.SCORING_FETCH_MAX_BYTES,
          },
          {
            groupId: SCORING_SIDE_INPUTS_CONSUMER_GROUP,
            decoders: {
              [Topics.clock]: decoderFrom(validateClockTick),
              [Topics.alerts]: decoderFrom(validateAlertLifecycleEvent),
              [Topics.playbookRuns]: decoderFrom(validatePlaybookRunEvent),
            },
          },
        ],
      }),
  });
});
