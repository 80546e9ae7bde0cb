import { ConfigTimeline } from './config-timeline';

const activation = (version: string, effectiveFrom: string, activatedAt = effectiveFrom) => ({ version, config: { name: version }, effectiveFrom, activatedAt });

describe('ConfigTimeline', () => {
  const base = { version: 'file', config: { name: 'file' } };

  it('is the base before any activation', () => {
    const timeline = ConfigTimeline.of(base);
    expect(timeline.at('2026-03-01T00:00:00.000Z').config.name).toBe('file');
    expect(timeline.latest.version).toBe('file');
  });

  it('switches at each activation’s effectiveFrom, inclusive', () => {
    const timeline = ConfigTimeline.of(base, [activation('v2', '2026-03-02T00:00:00.000Z'), activation('v3', '2026-03-05T00:00:00.000Z')]);
    expect(timeline.at('2026-03-01T23:59:59.999Z').version).toBe('file');
    expect(timeline.at('2026-03-02T00:00:00.000Z').version).toBe('v2');
    expect(timeline.at('2026-03-04T12:00:00.000Z').config.name).toBe('v2');
    expect(timeline.at('2026-03-05T00:00:00.000Z').version).toBe('v3');
    expect(timeline.latest.version).toBe('v3');
  });

  it('lets the later of two activations at the same event time win (a rollback before the watermark moved)', () => {
    const timeline = ConfigTimeline.of(base, [activation('v2', '2026-03-02T00:00:00.000Z', '2026-03-02T10:00:00.000Z'), activation('file', '2026-03-02T00:00:00.000Z', '2026-03-02T10:05:00.000Z')]);
    expect(timeline.at('2026-03-03T00:00:00.000Z').version).toBe('file');
    expect(timeline.at('2026-03-01T00:00:00.000Z').version).toBe('file');
  });

  it('ignores a repeated record and clamps an activation that names an earlier event time', () => {
    const first = ConfigTimeline.of(base, [activation('v2', '2026-03-02T00:00:00.000Z')]);
    expect(first.with(activation('v2', '2026-03-02T00:00:00.000Z'))).toBeNull();
    const later = first.with(activation('v3', '2026-03-01T00:00:00.000Z', '2026-03-03T00:00:00.000Z'));
    expect(later?.at('2026-03-01T12:00:00.000Z').version).toBe('file');
    expect(later?.at('2026-03-02T00:00:00.000Z').version).toBe('v3');
  });

  it('is immutable: with returns a new timeline and leaves the old one as it was', () => {
    const first = ConfigTimeline.of(base);
    const second = first.with(activation('v2', '2026-03-02T00:00:00.000Z'));
    expect(first.at('2026-03-03T00:00:00.000Z').version).toBe('file');
    expect(second?.at('2026-03-03T00:00:00.000Z').version).toBe('v2');
  });
});
