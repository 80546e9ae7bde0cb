import 'reflect-metadata';
import { Topics, validateScoreChanged } from '@bellwether/contracts';
import { consumerTransport, decoderFrom } from '@bellwether/kafka';
import { loadEnv, runService, startService, trustProxySetting } from '@bellwether/platform';
import { AlertingEnv } from './alerting.env';
import { ALERTING_CONSUMER_GROUP, AlertingModule } from './alerting.module';

runService('alerting', async (logger) => {
  const env = loadEnv(AlertingEnv);
  return startService(AlertingModule.forRoot(env, logger), {
    service: 'alerting',
    port: env.PORT,
    trustProxy: trustProxySetting(env),
    host: env.BIND_ADDRESS,
    logger,
    transport: (app) => consumerTransport(app, { env, groups: [{ groupId: ALERTING_CONSUMER_GROUP, decoders: { [Topics.scores]: decoderFrom(validateScoreChanged) } }] }),
  });
});
