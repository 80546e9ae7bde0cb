'use strict';

// Prints every score change Bellwether publishes on bellwether.scores.v1.
//
//   KAFKA_BROKERS=localhost:9092 GROUP_ID=acme-crm-sync node subscriber.js
//
// Environment:
//   KAFKA_BROKERS   host:port[,host:port...]            (default localhost:9092)
//   GROUP_ID        your consumer group: one per application, never one of Bellwether's own
//                   (bellwether-*)                        (default bellwether-example-score-printer)
//   TOPIC           the score topic                       (default bellwether.scores.v1)
//   FROM_BEGINNING  "true": a new group starts at the oldest retained change (28 days) instead
//                   of the newest; a group that has committed offsets resumes where it stopped.

const { Kafka, logLevel } = require('kafkajs');
const { parseScoreChange, SequenceTracker, formatScoreChange } = require('./score-change');

const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const groupId = process.env.GROUP_ID ?? 'bellwether-example-score-printer';
const topic = process.env.TOPIC ?? 'bellwether.scores.v1';
const fromBeginning = process.env.FROM_BEGINNING === 'true';

const kafka = new Kafka({ clientId: 'score-change-subscriber', brokers, logLevel: logLevel.WARN });
const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
const sequences = new SequenceTracker();

async function main() {
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning });
  console.error(`listening on ${topic} as group ${groupId} (${brokers.join(',')})`);
  await consumer.run({
    // The offset is committed only after this handler returns: at-least-once. Make your own
    // effect idempotent (here: the sequence check) rather than relying on exactly-once delivery.
    eachMessage: async ({ partition, message }) => {
      const parsed = parseScoreChange(message.value);
      if (parsed.skip) {
        console.error(`skipped partition ${partition} offset ${message.offset}: ${parsed.skip}`);
        return;
      }
      if (!sequences.accept(parsed.change)) return; // a redelivery: already printed
      console.log(formatScoreChange(parsed.change));
    },
  });
}

async function shutdown(signal) {
  console.error(`${signal}: leaving the group`);
  await consumer.disconnect().catch(() => undefined);
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));

main().catch(async (error) => {
  console.error(error);
  await consumer.disconnect().catch(() => undefined);
  process.exit(1);
});
