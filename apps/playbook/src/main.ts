import 'reflect-metadata';
import { Topics, validateAlertLifecycleEvent, validateIncidentLifecycleEvent, validateScoreChanged, validateTelemetryEvent } from '@bellwether/contracts';
import { consumerTransport, decoderFrom } from '@bellwether/kafka';
import { loadEnv, runService, startService, trustProxySetting } from '@bellwether/platform';
import { PlaybookEnv } from './playbook.env';
import { PLAYBOOK_CONSUMER_GROUP, PLAYBOOK_EVENTS_CONSUMER_GROUP, PlaybookModule } from './playbook.module';

runService('playbook', async (logger) => {
  const env = loadEnv(PlaybookEnv);
  return startService(PlaybookModule.forRoot(env, logger), {
    service: 'playbook',
    port: env.PORT,
    trustProxy: trustProxySetting(env),
    host: env.BIND_ADDRESS,
    logger,
    transport: (app) =>
      consumerTransport(app, {
        env,
        groups: [
          {
            groupId: PLAYBOOK_CONSUMER_GROUP,
            decoders: {
              [Topics.alerts]: decoderFrom(validateAlertLifecycleEvent),
              [Topics.incidents]: decoderFrom(validateIncidentLifecycleEvent),
              [Topics.scores]: decoderFrom(validateScoreChanged),
            },
          },
          // The KPI projection of the busiest topic: never behind the runs, partitions in parallel.
          {
            groupId: PLAYBOOK_EVENTS_CONSUMER_GROUP,
            decoders: { [Topics.events]: decoderFrom(validateTelemetryEvent) },
            partitionsConsumedConcurrently: env.PLAYBOOK_EVENTS_PARTITIONS_CONCURRENTLY,
            maxBytesPerPartition: env.PLAYBOOK_EVENTS_MAX_BYTES_PER_PARTITION,
          },
        ],
      }),
  });
});
