// Kafka client comparison for issue 17 ("The Kafka client"): one measurement per process.
//
//   node client-bench.mjs produce --client kafkajs|ckjs|ckjs-native|rdkafka --topic T \
//        --records 200000 --keys 100000 --batch 100 --inflight 12
//   node client-bench.mjs consume --client kafkajs|ckjs|rdkafka --topic T --records 1000000
//   node client-bench.mjs topic create|delete --topic T [--partitions 6]
//   node client-bench.mjs sample            (prints one message value and its size)
//
// Prints one JSON line on stdout: { op, client, records, seconds, recordsPerSecond, ... }.
//
// kafkajs is resolved from the repo (node_modules of the checkout this file is in); the
// librdkafka clients from $KCLIENT_SCRATCH (default /tmp/kclient-scratch), where they are
// installed by hand: they are not dependencies of the repo. See docs/kafka-client.md.
//
// Produce: `records` messages in sends of `batch` messages, `inflight` sends at a time (a new send
// starts as soon as one resolves), the way ingestion sends: key = account id `acct-NNNNNN`
// (`keys` distinct), value = a ~376-byte TelemetryEvent JSON, acks=all, idempotent producer.
// A send resolves when every message of it is acknowledged by the broker.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join } from 'node:path';

const SCRATCH = process.env.KCLIENT_SCRATCH ?? '/tmp/kclient-scratch';
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const requireRepo = createRequire(import.meta.url);
const requireScratch = createRequire(join(SCRATCH, 'package.json'));

function args() {
  const [op, sub, ...rest] = process.argv.slice(2);
  const options = { op, sub };
  const list = sub?.startsWith('--') ? [sub, ...rest] : rest;
  if (sub?.startsWith('--')) options.sub = undefined;
  for (let i = 0; i < list.length; i += 2) options[list[i].replace(/^--/, '')] = list[i + 1];
  return options;
}

/** A normalized TelemetryEvent (libs/contracts) as ingestion publishes it: 376 bytes for a 36-char uuid id. */
function telemetryEvent(accountId, at) {
  return JSON.stringify({
    schemaVersion: 1,
    id: `evt_${randomUUID()}`,
    type: 'feature_used',
    accountId,
    userId: 'user-00042',
    timestamp: at,
    receivedAt: at,
    source: 'native',
    properties: { feature: 'reports.weekly', plan: 'pro', path: '/app/reports/weekly', durationMs: 1234, seats: 25, padding: 'x'.repeat(16) },
  });
}

const account = (n) => `acct-${String(n).padStart(6, '0')}`;

/** `count` messages starting at `start`: keys cycle through `keys` accounts. */
function messages(start, count, keys) {
  const at = new Date().toISOString();
  const out = new Array(count);
  for (let i = 0; i < count; i += 1) {
    const key = account((start + i) % keys);
    out[i] = { key, value: telemetryEvent(key, at) };
  }
  return out;
}

/** Runs `send(batch)` over `records` messages, `inflight` sends at a time; returns seconds. */
async function drive(send, records, batchSize, inflight, keys) {
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < records) {
      const start = next;
      const count = Math.min(batchSize, records - start);
      next += count;
      await send(messages(start, count, keys));
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  return Number(process.hrtime.bigint() - started) / 1e9;
}

// ---- producers: each returns { send(messages) → Promise, close() } ----

async function kafkajsProducer(topic) {
  // As libs/kafka/src/kafka-connection.ts and message-producer.ts configure it.
  const { Kafka, logLevel, CompressionTypes } = requireRepo('kafkajs');
  const kafka = new Kafka({
    clientId: 'kclient-bench', brokers: BROKERS, connectionTimeout: 3000, requestTimeout: 30000,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5000 }, logLevel: logLevel.WARN,
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5, allowAutoTopicCreation: false, retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 } });
  await producer.connect();
  return {
    send: (batch) => producer.send({ topic, acks: -1, timeout: 10000, compression: CompressionTypes.None, messages: batch }),
    close: () => producer.disconnect(),
  };
}

async function ckjsProducer(topic) {
  // @confluentinc/kafka-javascript's KafkaJS-compatible API: the drop-in path from kafkajs.
  const { Kafka, logLevel } = requireScratch('@confluentinc/kafka-javascript').KafkaJS;
  const kafka = new Kafka({ kafkaJS: { clientId: 'kclient-bench', brokers: BROKERS, logLevel: logLevel.WARN } });
  const producer = kafka.producer({ kafkaJS: { idempotent: true, acks: -1, allowAutoTopicCreation: false }, 'linger.ms': 5 });
  await producer.connect();
  return { send: (batch) => producer.send({ topic, messages: batch }), close: () => producer.disconnect() };
}

/** librdkafka's callback API (node-rdkafka, or ckjs' node-rdkafka-compatible one): a send is one promise over its delivery reports. */
async function rdkafkaStyleProducer(topic, Kafka) {
  const producer = new Kafka.Producer({
    'metadata.broker.list': BROKERS.join(','), 'client.id': 'kclient-bench',
    'enable.idempotence': true, acks: -1, 'linger.ms': 5, dr_cb: true,
  });
  await new Promise((resolve, reject) => {
    producer.connect({}, (error) => (error ? reject(error) : resolve()));
  });
  producer.setPollInterval(1);
  const pending = new Map();
  producer.on('delivery-report', (error, report) => {
    const entry = pending.get(report.opaque);
    if (!entry) return;
    if (error) entry.error = error;
    entry.left -= 1;
    if (entry.left === 0) {
      pending.delete(report.opaque);
      if (entry.error) entry.reject(entry.error); else entry.resolve();
    }
  });
  let batchId = 0;
  return {
    send: (batch) => new Promise((resolve, reject) => {
      batchId += 1;
      const opaque = batchId;
      pending.set(opaque, { left: batch.length, resolve, reject });
      // Windows here stay far below librdkafka's queue.buffering.max.messages (100,000): never "Queue full".
      for (const message of batch) producer.produce(topic, null, Buffer.from(message.value), message.key, Date.now(), opaque);
    }),
    close: () => new Promise((resolve) => producer.flush(30000, () => producer.disconnect(() => resolve()))),
  };
}

async function producerFor(client, topic) {
  if (client === 'kafkajs') return kafkajsProducer(topic);
  if (client === 'ckjs') return ckjsProducer(topic);
  if (client === 'ckjs-native') return rdkafkaStyleProducer(topic, requireScratch('@confluentinc/kafka-javascript'));
  if (client === 'rdkafka') return rdkafkaStyleProducer(topic, requireScratch('node-rdkafka'));
  throw new Error(`unknown client ${client}`);
}

async function produce(options) {
  const records = Number(options.records ?? 200000);
  const batch = Number(options.batch ?? 100);
  const inflight = Number(options.inflight ?? 12);
  const keys = Number(options.keys ?? 100000);
  const producer = await producerFor(options.client, options.topic);
  await drive(producer.send, Math.min(2000, records), batch, inflight, keys); // warm-up: connections, metadata, producer id
  const cpuBefore = process.cpuUsage();
  const seconds = await drive(producer.send, records, batch, inflight, keys);
  const cpu = process.cpuUsage(cpuBefore);
  await producer.close();
  return { op: 'produce', client: options.client, records, keys, batch, inflight, seconds, recordsPerSecond: records / seconds, cpuMicrosPerRecord: (cpu.user + cpu.system) / records, valueBytes: Buffer.byteLength(telemetryEvent(account(123), new Date().toISOString())) };
}

// ---- consumers: read `records` messages from the beginning of the topic in a new group ----

async function consume(options) {
  const records = Number(options.records ?? 1000000);
  const topic = options.topic;
  const groupId = `kclient-bench-${randomUUID()}`;
  let seen = 0;
  let bytes = 0;
  let firstAt;
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  let cpuBefore;
  const note = (count, size) => {
    cpuBefore ??= process.cpuUsage();
    firstAt ??= process.hrtime.bigint();
    seen += count;
    bytes += size;
    if (seen >= records) done();
  };
  let stop;
  if (options.client === 'kafkajs' || options.client === 'ckjs') {
    // eachBatch, as libs/kafka/src/batch-consumer.ts consumes (one partition batch at a time).
    let consumer;
    if (options.client === 'kafkajs') {
      const { Kafka, logLevel } = requireRepo('kafkajs');
      const kafka = new Kafka({ clientId: 'kclient-bench', brokers: BROKERS, logLevel: logLevel.WARN });
      consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxBytesPerPartition: 1024 * 1024 });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
    } else {
      const { Kafka, logLevel } = requireScratch('@confluentinc/kafka-javascript').KafkaJS;
      const kafka = new Kafka({ kafkaJS: { clientId: 'kclient-bench', brokers: BROKERS, logLevel: logLevel.WARN } });
      consumer = kafka.consumer({ kafkaJS: { groupId, fromBeginning: true }, 'js.consumer.max.batch.size': Number(options.maxBatch ?? 1000) });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic] });
    }
    await consumer.run({
      eachBatch: async ({ batch }) => {
        let size = 0;
        for (const message of batch.messages) size += message.value?.length ?? 0;
        note(batch.messages.length, size);
      },
    });
    stop = () => consumer.disconnect();
  } else if (options.client === 'rdkafka') {
    const Kafka = requireScratch('node-rdkafka');
    const consumer = new Kafka.KafkaConsumer({ 'metadata.broker.list': BROKERS.join(','), 'group.id': groupId, 'enable.auto.commit': true }, { 'auto.offset.reset': 'earliest' });
    await new Promise((resolve, reject) => consumer.connect({}, (error) => (error ? reject(error) : resolve())));
    consumer.subscribe([topic]);
    const loop = () => consumer.consume(1000, (error, batch) => {
      if (error) { setImmediate(loop); return; }
      let size = 0;
      for (const message of batch) size += message.value?.length ?? 0;
      if (batch.length > 0) note(batch.length, size);
      if (seen < records) setImmediate(loop);
    });
    loop();
    stop = () => new Promise((resolve) => consumer.disconnect(() => resolve()));
  } else throw new Error(`unknown client ${options.client}`);
  await finished;
  const seconds = Number(process.hrtime.bigint() - firstAt) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  await stop();
  return { op: 'consume', client: options.client, records: seen, seconds, recordsPerSecond: seen / seconds, cpuMicrosPerRecord: (cpu.user + cpu.system) / seen, mbPerSecond: bytes / seconds / 1e6 };
}

async function topic(options) {
  const { Kafka, logLevel } = requireRepo('kafkajs');
  const admin = new Kafka({ clientId: 'kclient-bench', brokers: BROKERS, logLevel: logLevel.ERROR }).admin();
  await admin.connect();
  try {
    if (options.sub === 'create') {
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: options.topic, numPartitions: Number(options.partitions ?? 6), replicationFactor: 1 }] });
      for (let attempt = 0; ; attempt += 1) {
        try { await admin.fetchTopicOffsets(options.topic); break; } catch (error) { if (attempt > 50) throw error; await new Promise((r) => setTimeout(r, 200)); }
      }
    } else if (options.sub === 'delete') {
      const existing = (await admin.listTopics()).filter((name) => name === options.topic || (options.topic === 'ALL' && name.startsWith('kclient-bench-')));
      if (existing.length > 0) await admin.deleteTopics({ topics: existing });
    } else throw new Error('topic create|delete');
    return { op: 'topic', sub: options.sub, topic: options.topic };
  } finally {
    await admin.disconnect();
  }
}

const options = args();
const run = { produce, consume, topic, sample: async () => { const v = telemetryEvent(account(123), new Date().toISOString()); return { value: v, bytes: Buffer.byteLength(v) }; } }[options.op];
if (!run) {
  process.stderr.write('usage: client-bench.mjs produce|consume|topic|sample ...\n');
  process.exit(2);
}
run(options).then(
  (result) => { process.stdout.write(`${JSON.stringify({ ...result, load1: loadavg()[0] })}\n`); process.exit(0); },
  (error) => { process.stderr.write(`${error?.stack ?? error}\n`); process.exit(1); },
);
