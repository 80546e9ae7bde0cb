import { keysForEveryPartition } from './events-watermark';

/** Java's Utils.murmur2 (what Kafka's Java clients partition keyed records by), written out independently of kafkajs. */
function javaMurmur2(key: string): number {
  const data = Buffer.from(key, 'utf8');
  const m = 0x5bd1e995;
  let h = 0x9747b28c ^ data.length;
  const whole = data.length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = (data[i] ?? 0) | ((data[i + 1] ?? 0) << 8) | ((data[i + 2] ?? 0) << 16) | ((data[i + 3] ?? 0) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = data.length & 3;
  if (rest === 3) h ^= (data[whole + 2] ?? 0) << 16;
  if (rest >= 2) h ^= (data[whole + 1] ?? 0) << 8;
  if (rest >= 1) {
    h ^= data[whole] ?? 0;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h;
}

const javaPartition = (key: string, partitions: number): number => (javaMurmur2(key) & 0x7fffffff) % partitions;

describe('keysForEveryPartition', () => {
  it.each([1, 3, 6, 12])('gives %i partitions one key each, the one Java clients would send there too', (partitions) => {
    const keys = keysForEveryPartition('bellwether.events.v1', partitions, 'watermark-probe-');
    expect(keys).toHaveLength(partitions);
    expect(new Set(keys).size).toBe(partitions);
    keys.forEach((key, partition) => expect(javaPartition(key, partitions)).toBe(partition));
  });
});
