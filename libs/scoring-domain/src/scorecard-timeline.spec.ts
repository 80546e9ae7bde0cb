import { defaultScorecard, type Scorecard } from './scorecard';
import { scorecardAt, ScorecardTimeline } from './scorecard-timeline';

// The timeline's rules (switching at effectiveFrom, repeats, clamping) are ConfigTimeline's, tested in libs/contracts.

const card = (version: string): Scorecard => ({ ...defaultScorecard, version });
const activation = (version: string, effectiveFrom: string, activatedAt = effectiveFrom) => ({ config: card(version), effectiveFrom, activatedAt });

describe('ScorecardTimeline', () => {
  it('is the base scorecard before any activation, then each activation’s from its effectiveFrom', () => {
    const timeline = ScorecardTimeline.of(card('file'), [activation('v2', '2026-03-02T00:00:00.000Z')]);
    expect(timeline.at('2026-03-01T23:59:59.999Z').version).toBe('file');
    expect(timeline.at('2026-03-02T00:00:00.000Z').version).toBe('v2');
    expect(timeline.latest.version).toBe('v2');
  });

  it('scorecardAt reads one scorecard as in force at every time', () => {
    expect(scorecardAt(card('only'), '2020-01-01T00:00:00.000Z').version).toBe('only');
    expect(scorecardAt(ScorecardTimeline.of(card('file'), [activation('v2', '2026-03-02T00:00:00.000Z')]), '2026-03-03T00:00:00.000Z').version).toBe('v2');
  });
});
