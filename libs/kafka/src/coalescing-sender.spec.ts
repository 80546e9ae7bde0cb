import { CoalescingSender, planSends, submissionsPerFlush } from './coalescing-sender';

const size = (record: number) => record;

describe('submissionsPerFlush', () => {
  it('takes whole submissions while they fit, and always the first', () => {
    expect(submissionsPerFlush([3, 3, 3], 7)).toBe(2);
    expect(submissionsPerFlush([9, 1], 5)).toBe(1);
    expect(submissionsPerFlush([], 5)).toBe(0);
  });
});

describe('planSends', () => {
  it('keeps every record in order across sends of at most maxSendBytes, naming each run’s submission', () => {
    const sends = planSends([[4, 3], [3, 5], [1, 1]], size, 7);
    expect(sends).toEqual([
      [{ submission: 0, records: [4, 3] }],
      [{ submission: 1, records: [3] }],
      [
        { submission: 1, records: [5] },
        { submission: 2, records: [1, 1] },
      ],
    ]);
    expect(sends.flat().flatMap((part) => part.records)).toEqual([4, 3, 3, 5, 1, 1]);
  });

  it('gives a record larger than maxSendBytes a send of its own, and plans nothing for nothing', () => {
    expect(planSends([[2, 9, 2]], size, 5)).toEqual([[{ submission: 0, records: [2] }], [{ submission: 0, records: [9] }], [{ submission: 0, records: [2] }]]);
    expect(planSends([], size, 5)).toEqual([]);
  });
});

/** A send whose calls are recorded and answered by the test, one at a time. */
function controlledSend() {
  const calls: { records: readonly number[]; settle: (error?: Error) => void }[] = [];
  const send = (records: readonly number[]) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ records, settle: (error) => (error ? reject(error) : resolve()) });
    });
  return { calls, send };
}

/** Lets pending promise callbacks run (no timers involved). */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('CoalescingSender', () => {
  it('sends a lone submission at once, and merges those that arrive during a send into one', async () => {
    const { calls, send } = controlledSend();
    const sender = new CoalescingSender({ topic: 't', send, sizeOf: size, maxSendBytes: 100, maxFlushBytes: 1000 });
    const outcomes: string[] = [];
    const first = sender.submit([1, 2]).then(() => outcomes.push('first'));
    const second = sender.submit([3]).then(() => outcomes.push('second'));
    const third = sender.submit([4, 5]).then(() => outcomes.push('third'));
    expect(calls.map((call) => call.records)).toEqual([[1, 2]]);
    expect(sender.queuedRecords).toBe(3);
    calls[0]?.settle();
    await first;
    await settled();
    expect(calls.map((call) => call.records)).toEqual([[1, 2], [3, 4, 5]]);
    expect(outcomes).toEqual(['first']);
    calls[1]?.settle();
    await Promise.all([second, third]);
    expect(outcomes).toEqual(['first', 'second', 'third']);
  });

  it('rejects only the submissions whose records were in the failed send; later sends still go', async () => {
    const { calls, send } = controlledSend();
    const sender = new CoalescingSender({ topic: 't', send, sizeOf: size, maxSendBytes: 5, maxFlushBytes: 1000 });
    const blocker = sender.submit([1]);
    const a = sender.submit([2, 2]);
    const b = sender.submit([2, 3]); // split: [2] with a's records, [3] in the next send
    const c = sender.submit([4]);
    calls[0]?.settle();
    await blocker;
    await settled();
    expect(calls[1]?.records).toEqual([2, 2]);
    calls[1]?.settle();
    await a;
    await settled();
    expect(calls[2]?.records).toEqual([2, 3]);
    calls[2]?.settle(new Error('broker said no'));
    await expect(b).rejects.toThrow('broker said no');
    await settled();
    expect(calls[3]?.records).toEqual([4]);
    calls[3]?.settle();
    await expect(c).resolves.toBeUndefined();
  });

  it('skips the rest of a rejected submission’s records in later sends of the flush', async () => {
    const { calls, send } = controlledSend();
    const sender = new CoalescingSender({ topic: 't', send, sizeOf: size, maxSendBytes: 4, maxFlushBytes: 1000 });
    const big = sender.submit([3, 3, 3]);
    expect(calls[0]?.records).toEqual([3]);
    calls[0]?.settle(new Error('down'));
    await expect(big).rejects.toThrow('down');
    await settled();
    expect(calls).toHaveLength(1);
    const next = sender.submit([1]);
    await settled();
    expect(calls.map((call) => call.records)).toEqual([[3], [1]]);
    calls[1]?.settle();
    await expect(next).resolves.toBeUndefined();
  });

  it('takes at most maxFlushBytes of whole submissions per flush', async () => {
    const { calls, send } = controlledSend();
    const sender = new CoalescingSender({ topic: 't', send, sizeOf: size, maxSendBytes: 100, maxFlushBytes: 5 });
    const all = [sender.submit([1]), sender.submit([3]), sender.submit([2]), sender.submit([4])];
    for (let index = 0; index < 3; index += 1) {
      calls[index]?.settle();
      await settled();
    }
    expect(calls.map((call) => call.records)).toEqual([[1], [3, 2], [4]]);
    calls[3]?.settle();
    await Promise.all(all);
  });

  it('resolves an empty submission at once without sending', async () => {
    const { calls, send } = controlledSend();
    await new CoalescingSender({ topic: 't', send, sizeOf: size, maxSendBytes: 1, maxFlushBytes: 1 }).submit([]);
    expect(calls).toEqual([]);
  });
});
