import { applyIsolatingPoison } from './poison-isolation';
import { RecordResults, TransientError, type BatchResults } from './records';

interface Item {
  readonly offset: string;
  readonly bad?: boolean;
}

const items = (count: number, bad: readonly number[] = []): Item[] => Array.from({ length: count }, (_, n) => ({ offset: String(n), bad: bad.includes(n) }));

/** A handler that, like a transactional one, applies a subset all or nothing. */
function transactional(applied: string[], calls: string[][] = []) {
  return async (subset: readonly Item[]): Promise<BatchResults | void> => {
    calls.push(subset.map((item) => item.offset));
    const bad = subset.find((item) => item.bad);
    if (bad) throw new Error(`cannot store record ${bad.offset}`);
    applied.push(...subset.map((item) => item.offset));
  };
}

describe('applyIsolatingPoison', () => {
  it('applies a clean batch in one call', async () => {
    const applied: string[] = [];
    const calls: string[][] = [];
    const outcome = await applyIsolatingPoison(items(5), transactional(applied, calls));
    expect(calls).toHaveLength(1);
    expect(applied).toEqual(['0', '1', '2', '3', '4']);
    expect(outcome.poison).toEqual([]);
  });

  it('isolates one bad record in the middle and applies every other record once, in order', async () => {
    const applied: string[] = [];
    const outcome = await applyIsolatingPoison(items(9, [4]), transactional(applied));
    expect(outcome.poison.map((poison) => poison.record.offset)).toEqual(['4']);
    expect(String(outcome.poison[0]?.error)).toContain('cannot store record 4');
    expect(applied).toEqual(['0', '1', '2', '3', '5', '6', '7', '8']);
  });

  it('isolates several bad records, including the first and the last', async () => {
    const applied: string[] = [];
    const outcome = await applyIsolatingPoison(items(8, [0, 3, 7]), transactional(applied));
    expect(outcome.poison.map((poison) => poison.record.offset)).toEqual(['0', '3', '7']);
    expect(applied).toEqual(['1', '2', '4', '5', '6']);
  });

  it('a single bad record is poison at once', async () => {
    const outcome = await applyIsolatingPoison(items(1, [0]), transactional([]));
    expect(outcome.poison.map((poison) => poison.record.offset)).toEqual(['0']);
  });

  it('keeps the results the handler returned for the sub-batches that succeeded', async () => {
    const outcome = await applyIsolatingPoison(items(4, [3]), async (subset) => {
      if (subset.some((item) => item.bad)) throw new Error('bad');
      return new Map(subset.filter((item) => item.offset === '1').map((item) => [item.offset, RecordResults.dlq('too late', 'lateness')]));
    });
    expect(outcome.results.get('1')).toEqual(RecordResults.dlq('too late', 'lateness'));
    expect(outcome.poison.map((poison) => poison.record.offset)).toEqual(['3']);
  });

  it('lets a transient error through without deciding anything', async () => {
    const applied: string[] = [];
    const failing = async (subset: readonly Item[]) => {
      if (subset.length < 4) throw new TransientError('database unreachable');
      throw new Error('bad record');
    };
    await expect(applyIsolatingPoison(items(8), failing)).rejects.toThrow('database unreachable');
    expect(applied).toEqual([]);
  });
});
