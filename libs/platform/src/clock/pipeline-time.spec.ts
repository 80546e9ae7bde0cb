import type { PipelineWatermark } from '@bellwether/contracts';
import { PipelineTime } from './pipeline-time';

const record = (watermark: string, closedThrough: string | null = null): PipelineWatermark => ({ schemaVersion: 1, watermark, closedThrough });
const wallMs = Date.parse('2026-11-30T12:00:00.000Z');

describe('PipelineTime', () => {
  describe('in wall mode', () => {
    it('is the wall clock, whatever watermarks were offered', () => {
      const time = new PipelineTime('wall');
      expect(time.now(wallMs)).toBe('2026-11-30T12:00:00.000Z');
      time.offer(record('2030-01-01T00:00:00Z'));
      expect(time.now(wallMs)).toBe('2026-11-30T12:00:00.000Z');
    });
  });

  describe('in event mode', () => {
    it('is null before the first watermark, whatever the wall clock says', () => {
      expect(new PipelineTime('event').now(wallMs)).toBeNull();
    });

    it('is the newest watermark offered, normalized to UTC milliseconds', () => {
      const time = new PipelineTime('event');
      expect(time.offer(record('2026-03-01T10:00:00+02:00', '2026-02-28T00:00:00Z'))).toBe('2026-03-01T08:00:00.000Z');
      expect(time.now(wallMs)).toBe('2026-03-01T08:00:00.000Z');
      expect(time.offer(record('2026-03-14T00:00:00.5Z'))).toBe('2026-03-14T00:00:00.500Z');
      expect(time.now(wallMs)).toBe('2026-03-14T00:00:00.500Z');
    });

    it('never runs backwards: an older or equal watermark (redelivery, a republish) changes nothing', () => {
      const time = new PipelineTime('event');
      time.offer(record('2026-03-14T00:00:00Z'));
      expect(time.offer(record('2026-03-01T00:00:00Z'))).toBeNull();
      expect(time.offer(record('2026-03-14T00:00:00.000Z'))).toBeNull();
      expect(time.now(wallMs)).toBe('2026-03-14T00:00:00.000Z');
    });

    it('ignores and counts values that are not valid PipelineWatermark records, and keeps going after them', () => {
      const time = new PipelineTime('event');
      const invalid: unknown[] = [
        null,
        'not json',
        { schemaVersion: 1, watermark: '2026-03-01T00:00:00Z' },
        { schemaVersion: 2, watermark: '2026-03-01T00:00:00Z', closedThrough: null },
        { schemaVersion: 1, watermark: 'yesterday', closedThrough: null },
        { schemaVersion: 1, watermark: '2026-02-30T00:00:00Z', closedThrough: null },
        { schemaVersion: 1, watermark: 1772323200000, closedThrough: null },
      ];
      for (const value of invalid) expect(time.offer(value)).toBeNull();
      expect(time.rejectedRecords).toBe(invalid.length);
      expect(time.now(wallMs)).toBeNull();
      expect(time.offer(record('2026-03-01T00:00:00Z'))).toBe('2026-03-01T00:00:00.000Z');
      expect(time.rejectedRecords).toBe(invalid.length);
    });
  });
});
