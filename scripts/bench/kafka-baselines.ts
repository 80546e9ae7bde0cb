import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';

/** Kafka's own tools, run from the broker's jars (scripts/kafka.sh run-class), as the baselines. */

export interface ProducerPerformanceResult {
  readonly records: number;
  readonly recordsPerSecond: number;
  readonly mbPerSecond: number;
  readonly avgLatencyMs: number;
  readonly maxLatencyMs: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly command: string;
  readonly summaryLine: string;
}

export interface EndToEndLatencyResult {
  readonly messages: number;
  readonly avgMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly command: string;
  readonly summaryLines: string[];
}

async function runClass(args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['scripts/kafka.sh', 'run-class', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${args[0]} ended with ${code ?? signal}:\n${output.split('\n').slice(-20).join('\n')}`));
    });
  });
}

/** Creates `topic` with `partitions` partitions (replication 1) unless it exists, with Kafka's TopicCommand. */
export async function createTopic(brokers: string, topic: string, partitions: number): Promise<void> {
  await runClass(
    ['org.apache.kafka.tools.TopicCommand', '--bootstrap-server', brokers, '--create', '--if-not-exists', '--topic', topic, '--partitions', String(partitions), '--replication-factor', '1'],
    120_000,
  );
}

/**
 * Kafka's ProducerPerformance as fast as it goes (`--throughput -1`), acks=all, every other
 * producer setting at Java's default (idempotence on, linger.ms 5, batch.size 16 KiB, no
 * compression). The records are drawn at random from `payload.file` (one value a line), or are
 * `payload.recordBytes` of random bytes. The tool cannot send keys: its records have none.
 */
export async function producerPerformance(brokers: string, topic: string, records: number, payload: { readonly file: string } | { readonly recordBytes: number }): Promise<ProducerPerformanceResult> {
  const args = [
    'org.apache.kafka.tools.ProducerPerformance',
    '--topic', topic,
    '--num-records', String(records),
    ...('file' in payload ? ['--payload-file', payload.file] : ['--record-size', String(payload.recordBytes)]),
    '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${brokers}`, 'acks=all',
  ];
  const output = await runClass(args, 600_000);
  // "1000000 records sent, 123456.7 records/sec (35.32 MB/sec), 210.68 ms avg latency, 471.00 ms max latency, 227 ms 50th, 276 ms 95th, 288 ms 99th, 302 ms 99.9th."
  const line = output.split('\n').reverse().find((candidate) => /records sent, .* 50th/.test(candidate)) ?? '';
  const match = /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99.9th/.exec(line);
  if (!match) throw new Error(`could not read ProducerPerformance's summary:\n${output.split('\n').slice(-10).join('\n')}`);
  const n = (index: number): number => Number(match[index]);
  return {
    records: n(1),
    recordsPerSecond: n(2),
    mbPerSecond: n(3),
    avgLatencyMs: n(4),
    maxLatencyMs: n(5),
    p50Ms: n(6),
    p95Ms: n(7),
    p99Ms: n(8),
    p999Ms: n(9),
    command: `bash scripts/kafka.sh run-class ${args.join(' ')}`,
    summaryLine: line.trim(),
  };
}

/**
 * Kafka's EndToEndLatency: `messages` messages of `messageBytes` random bytes, acks=all, sent one at
 * a time and each consumed before the next (no keys; the tool takes a size, not a payload file).
 */
export async function endToEndLatency(brokers: string, topic: string, messages: number, messageBytes: number): Promise<EndToEndLatencyResult> {
  // Kafka 4.1.1 positional arguments: broker_list topic num_messages producer_acks message_size_bytes
  const args = ['org.apache.kafka.tools.EndToEndLatency', brokers, topic, String(messages), 'all', String(messageBytes)];
  const output = await runClass(args, 600_000);
  const avg = /Avg latency: ([\d.]+) ms/.exec(output);
  const percentiles = /Percentiles: 50th = ([\d.]+), 99th = ([\d.]+), 99.9th = ([\d.]+)/.exec(output);
  if (!avg || !percentiles) throw new Error(`could not read EndToEndLatency's summary:\n${output.split('\n').slice(-10).join('\n')}`);
  return {
    messages,
    avgMs: Number(avg[1]),
    p50Ms: Number(percentiles[1]),
    p99Ms: Number(percentiles[2]),
    p999Ms: Number(percentiles[3]),
    command: `bash scripts/kafka.sh run-class ${args.join(' ')}`,
    summaryLines: output.split('\n').filter((line) => /Avg latency|Percentiles/.test(line)),
  };
}

/**
 * Writes a ProducerPerformance payload file: the given record values, one a line (the tool's
 * default delimiter), so the baseline sends the very bytes our pipeline carries. Values must not
 * hold a newline (JSON.stringify never writes one). Returns the mean value size in bytes.
 */
export function writePayloadFile(path: string, values: readonly string[]): number {
  if (values.length === 0) throw new Error('no record values to write into the payload file');
  if (values.some((value) => value.includes('\n'))) throw new Error('a payload value holds a newline');
  writeFileSync(path, `${values.join('\n')}\n`);
  return Math.round(values.reduce((sum, value) => sum + Buffer.byteLength(value), 0) / values.length);
}
