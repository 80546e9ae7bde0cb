import { defaultScorecard, type Scorecard } from './scorecard';
import { scorecardAt, ScorecardTimeline } from './scorecard-timeline';

const card = (version: string): Scorecard => ({ ...defaultScorecard, version });
const activation = (version: string, effectiveFrom: string, activatedAt = effectiveFrom) => ({ scorecard: card(version), effectiveFrom, activatedAt });

describe('ScorecardTimeline', () => {
  it('is the base scorecard before any activation', () => {
    const timeline = ScorecardTimeline.of(card('file'));
    expect(timeline.at('2026-03-01T00:00:00.000Z').version).toBe('file');
    expect(timeline.latest.version).toBe('file');
  });

  it('switches at each activation’s effectiveFrom, inclusive', () => {
    const timeline = ScorecardTimeline.of(card('file'), [activation('v2', '2026-03-02T00:00:00.000Z'), activation('v3', '2026-03-05T00:00:00.000Z')]);
    expect(timeline.at('2026-03-01T23:59:59.999Z').version).toBe('file');
    expect(timeline.at('2026-03-02T00:00:00.000Z').version).toBe('v2');
    expect(timeline.at('2026-03-04T12:00:00.000Z').version).toBe('v2');
    expect(timeline.at('2026-03-05T00:00:00.000Z').version).toBe('v3');
    expect(timeline.latest.version).toBe('v3');
  });

  it('lets the later of two activations at the same event time win (a rollback before the watermark moved)', () => {
    const timeline = ScorecardTimeline.of(card('file'), [activation('v2', '2026-03-02T00:00:00.000Z', '2026-03-02T10:00:00.000Z'), activation('file', '2026-03-02T00:00:00.000Z', '2026-03-02T10:05:00.000Z')]);
    expect(timeline.at('2026-03-03T00:00:00.000Z').version).toBe('file');
  });

  it('ignores a repeated record and clamps an activation that names an earlier event time', () => {
    const first = ScorecardTimeline.of(card('file'), [activation('v2', '2026-03-02T00:00:00.000Z')]);
    expect(first.with(activation('v2', '2026-03-02T00:00:00.000Z'))).toBeNull();
    const later = first.with(activation('v3', '2026-03-01T00:00:00.000Z', '2026-03-03T00:00:00.000Z'));
    expect(later?.at('2026-03-01T12:00:00.000Z').version).toBe('file');
    expect(later?.at('2026-03-02T00:00:00.000Z').version).toBe('v3');
  });

  it('scorecardAt reads one scorecard as in force at every time', () => {
    expect(scorecardAt(card('only'), '2020-01-01T00:00:00.000Z').version).toBe('only');
    expect(scorecardAt(ScorecardTimeline.of(card('file'), [activation('v2', '2026-03-02T00:00:00.000Z')]), '2026-03-03T00:00:00.000Z').version).toBe('v2');
  });
});
