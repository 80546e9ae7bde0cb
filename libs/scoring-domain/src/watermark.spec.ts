import { closableBoundary, dayRollTarget, isCaughtUp, notAheadOf, pipelineWatermark, type PartitionProgress } from './watermark';

const partition = (number: number, watermark: string | null, committed: string | null, high: string, low = '0'): PartitionProgress => ({
  partition: number,
  watermark,
  committedOffset: committed,
  lowOffset: low,
  highOffset: high,
});

describe('isCaughtUp', () => {
  it('is true at the log end, for an empty partition and for one whose records were all deleted', () => {
    expect(isCaughtUp(partition(0, null, '10', '10'))).toBe(true);
    expect(isCaughtUp(partition(0, null, null, '0'))).toBe(true);
    expect(isCaughtUp(partition(0, null, null, '500', '500'))).toBe(true);
    expect(isCaughtUp(partition(0, null, '9', '10'))).toBe(false);
    expect(isCaughtUp(partition(0, null, null, '1'))).toBe(false);
  });

  it('compares offsets beyond 2^53 exactly', () => {
    expect(isCaughtUp(partition(0, null, '9007199254740993', '9007199254740994'))).toBe(false);
  });
});

describe('pipelineWatermark', () => {
  it('is the minimum over partitions with unread records: a light partition racing ahead does not move it', () => {
    const partitions = [partition(0, '2026-03-10T00:00:00.000Z', '5', '100'), partition(1, '2026-04-20T00:00:00.000Z', '40', '90'), partition(2, '2026-03-12T00:00:00.000Z', '1', '2')];
    expect(pipelineWatermark(partitions, 'event', null)).toBe('2026-03-10T00:00:00.000Z');
    expect(pipelineWatermark(partitions, 'wall', '2026-05-01T00:00:00.000Z')).toBe('2026-03-10T00:00:00.000Z');
  });

  it('is unknown while a partition with unread records has no event time yet', () => {
    expect(pipelineWatermark([partition(0, '2026-03-10T00:00:00.000Z', '5', '100'), partition(1, null, null, '3')], 'event', null)).toBeNull();
  });

  it('event mode: leaves idle partitions out, and is the newest event time when every partition is idle', () => {
    const quiet = partition(1, '2026-01-01T00:00:00.000Z', '7', '7');
    expect(pipelineWatermark([partition(0, '2026-03-10T00:00:00.000Z', '5', '100'), quiet, partition(2, null, null, '0')], 'event', null)).toBe('2026-03-10T00:00:00.000Z');
    expect(pipelineWatermark([partition(0, '2026-03-10T00:00:00.000Z', '100', '100'), quiet], 'event', null)).toBe('2026-03-10T00:00:00.000Z');
    expect(pipelineWatermark([partition(0, null, null, '0')], 'event', null)).toBeNull();
  });

  it('wall mode: an idle partition stands at the newest clock tick, so quiet traffic still moves the clock', () => {
    const idle = [partition(0, '2026-03-10T00:00:00.000Z', '100', '100'), partition(1, null, null, '0')];
    expect(pipelineWatermark(idle, 'wall', '2026-03-11T08:00:00.000Z')).toBe('2026-03-11T08:00:00.000Z');
    // A lagging partition still holds it back.
    expect(pipelineWatermark([...idle, partition(2, '2026-03-09T00:00:00.000Z', '1', '50')], 'wall', '2026-03-11T08:00:00.000Z')).toBe('2026-03-09T00:00:00.000Z');
    // Without a tick yet, idle partitions are left out as in event mode, but an all-idle topic has no watermark.
    expect(pipelineWatermark(idle, 'wall', null)).toBeNull();
  });
});

describe('closableBoundary', () => {
  it('is the latest midnight whose day ended a grace period before the watermark', () => {
    expect(closableBoundary('2026-03-05T10:00:00.000Z', 48 * 3_600_000)).toBe('2026-03-03T00:00:00.000Z');
    expect(closableBoundary('2026-03-05T00:00:00.000Z', 48 * 3_600_000)).toBe('2026-03-03T00:00:00.000Z');
    expect(closableBoundary('2026-03-04T23:59:59.999Z', 48 * 3_600_000)).toBe('2026-03-02T00:00:00.000Z');
    expect(closableBoundary('2026-03-05T10:00:00.000Z', 0)).toBe('2026-03-05T00:00:00.000Z');
    expect(closableBoundary(null, 0)).toBeNull();
  });
});

describe('notAheadOf', () => {
  const now = Date.parse('2026-03-01T10:00:00.000Z');
  it('keeps a time up to the lead ahead of now, and caps a later one there', () => {
    expect(notAheadOf('2026-03-01T10:04:59.999Z', now, 5 * 60_000)).toBe('2026-03-01T10:04:59.999Z');
    expect(notAheadOf('2026-03-02T00:00:00.000Z', now, 5 * 60_000)).toBe('2026-03-01T10:05:00.000Z');
    expect(notAheadOf('2026-02-01T00:00:00.000Z', now, 0)).toBe('2026-02-01T00:00:00.000Z');
  });
});

describe('dayRollTarget', () => {
  it('resumes the roll under way, else starts one only past the last finished roll', () => {
    expect(dayRollTarget({ rollTarget: '2026-03-03T00:00:00.000Z', rolledThrough: null }, '2026-03-05T00:00:00.000Z')).toBe('2026-03-03T00:00:00.000Z');
    expect(dayRollTarget({ rollTarget: null, rolledThrough: null }, '2026-03-05T00:00:00.000Z')).toBe('2026-03-05T00:00:00.000Z');
    expect(dayRollTarget({ rollTarget: null, rolledThrough: '2026-03-05T00:00:00.000Z' }, '2026-03-05T00:00:00.000Z')).toBeNull();
    expect(dayRollTarget({ rollTarget: null, rolledThrough: '2026-03-04T00:00:00.000Z' }, '2026-03-05T00:00:00.000Z')).toBe('2026-03-05T00:00:00.000Z');
    expect(dayRollTarget({ rollTarget: null, rolledThrough: null }, null)).toBeNull();
  });
});
