import { Counter, Gauge, Histogram } from 'prom-client';

export const kafkaMetrics = {
  consumed: new Counter({
    name: 'bellwether_kafka_records_consumed_total',
    help: 'Records consumed, by topic, group and result',
    labelNames: ['topic', 'group', 'result'] as const,
  }),
  deadLettered: new Counter({
    name: 'bellwether_kafka_records_dead_lettered_total',
    help: 'Records sent to a dead-letter topic, by source topic, group and step',
    labelNames: ['topic', 'group', 'step'] as const,
  }),
  batchRetries: new Counter({
    name: 'bellwether_kafka_batch_retries_total',
    help: 'Handler or dead-letter attempts that failed transiently and were retried',
    labelNames: ['topic', 'group'] as const,
  }),
  consumerRestarts: new Counter({
    name: 'bellwether_kafka_consumer_restarts_total',
    help: 'Consumers restarted after a crash kafkajs did not restart from, by group',
    labelNames: ['group'] as const,
  }),
  batchDuration: new Histogram({
    name: 'bellwether_kafka_batch_duration_seconds',
    help: 'Time to process one partition batch, including dead letters and commit',
    labelNames: ['topic', 'group'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  }),
  lag: new Gauge({
    name: 'bellwether_kafka_consumer_lag',
    help: 'High watermark minus the next offset to process, per topic partition, as of the last batch',
    labelNames: ['topic', 'partition', 'group'] as const,
  }),
  produced: new Counter({
    name: 'bellwether_kafka_records_produced_total',
    help: 'Records acknowledged by the broker, by topic',
    labelNames: ['topic'] as const,
  }),
};
