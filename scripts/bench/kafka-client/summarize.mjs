// Reads client-bench results (JSON lines, from run.sh) and prints a Markdown table:
// median and range of records/s per configuration, each one's median ÷ kafkajs 100×12's, and the
// client process's CPU time per record (user + system, all its threads) where measured.
//   node summarize.mjs /tmp/kclient-scratch/results.jsonl
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '/tmp/kclient-scratch/results.jsonl';
const rows = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (n) => Math.round(n).toLocaleString('en-US');

const groups = new Map();
for (const row of rows) {
  const shape = row.op === 'produce' ? (row.batch ? `${row.batch}×${row.inflight}` : 'its own') : row.client === 'rdkafka' ? 'consume(1000) loop' : 'eachBatch';
  const key = `${row.op}|${row.keys ?? ''}|${row.client}|${shape}`;
  if (!groups.has(key)) groups.set(key, { op: row.op, keys: row.keys, client: row.client, shape, values: [], cpu: [], failed: 0 });
  const group = groups.get(key);
  if (row.failed || !row.recordsPerSecond) group.failed += 1; else group.values.push(row.recordsPerSecond);
  if (row.cpuMicrosPerRecord) group.cpu.push(row.cpuMicrosPerRecord);
}

const baseline = (op, keys) => {
  const base = [...groups.values()].find((g) => g.op === op && g.keys === keys && g.client === 'kafkajs' && (op === 'consume' || g.shape === '100×12'));
  return base && base.values.length ? median(base.values) : undefined;
};

process.stdout.write('| op | keys | client | send shape (msgs × in flight) | runs | median records/s | range | ÷ kafkajs | client CPU µs/record (median, runs) |\n');
process.stdout.write('| --- | ---: | --- | --- | ---: | ---: | --- | ---: | ---: |\n');
const order = (g) => ['kafkajs', 'ckjs', 'ckjs-native', 'rdkafka', 'producer-performance'].indexOf(g.client) * 10 + (g.shape === '100×12' ? 0 : 1);
for (const g of [...groups.values()].sort((a, b) => b.op.localeCompare(a.op) || (a.keys ?? 0) - (b.keys ?? 0) || order(a) - order(b))) {
  const base = baseline(g.op, g.keys);
  const m = g.values.length ? median(g.values) : undefined;
  const range = g.values.length ? `${fmt(Math.min(...g.values))}–${fmt(Math.max(...g.values))}` : '';
  process.stdout.write(`| ${g.op} | ${g.keys ?? ''} | ${g.client} | ${g.shape} | ${g.values.length}${g.failed ? ` (+${g.failed} failed)` : ''} | ${m ? fmt(m) : 'failed'} | ${range} | ${m && base ? (m / base).toFixed(2) : ''} | ${g.cpu.length ? `${median(g.cpu).toFixed(1)} (${g.cpu.length})` : ''} |\n`);
}
