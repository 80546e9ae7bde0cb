import { type Segment } from '@bellwether/contracts';
import { type NpsResponseRecord } from './kpi.types';
import { classifyNpsScore, latestResponsePerAccount, netPromoterScore, npsBySegment } from './nps.kpi';

const response = (accountId: string, segment: Segment, score: number, at = '2026-03-02T10:00:00.000Z'): NpsResponseRecord => ({ accountId, segment, score, at });

const responses: NpsResponseRecord[] = [
  response('a', 'loyal', 10),
  response('b', 'loyal', 9),
  response('c', 'loyal', 9),
  response('d', 'stable', 8),
  response('e', 'stable', 7),
  response('f', 'stable', 6),
  response('g', 'at_risk', 3),
  response('h', 'at_risk', 10),
];

describe('classifyNpsScore', () => {
  it('uses 9–10 / 7–8 / 0–6', () => {
    expect([0, 6, 7, 8, 9, 10].map(classifyNpsScore)).toEqual(['detractor', 'detractor', 'passive', 'passive', 'promoter', 'promoter']);
  });

  it('rejects anything but an integer 0–10', () => {
    for (const bad of [-1, 11, 7.5, Number.NaN]) expect(() => classifyNpsScore(bad)).toThrow(RangeError);
  });
});

describe('netPromoterScore', () => {
  it('is %promoters − %detractors', () => {
    // Promoters 10, 9, 9, 10 = 4; passives 8, 7 = 2; detractors 6, 3 = 2; n = 8.
    // 100 × (4 − 2) / 8 = 25.
    expect(netPromoterScore(responses)).toEqual({ value: 25, n: 8, promoters: 4, passives: 2, detractors: 2 });
  });

  it('is null for no responses', () => {
    expect(netPromoterScore([])).toEqual({ value: null, n: 0, promoters: 0, passives: 0, detractors: 0 });
  });
});

describe('npsBySegment', () => {
  it('scores each segment on its own responses', () => {
    const bySegment = npsBySegment(responses);
    // loyal: 10, 9, 9 → 3 promoters of 3 → 100.
    expect(bySegment.loyal.value).toBe(100);
    // stable: 8, 7, 6 → 0 promoters, 1 detractor of 3 → −33.33.
    expect(bySegment.stable.value).toBeCloseTo(-33.333, 3);
    // at_risk: 3, 10 → 1 promoter, 1 detractor of 2 → 0.
    expect(bySegment.at_risk.value).toBe(0);
    expect(npsBySegment([]).loyal.value).toBeNull();
  });
});

describe('latestResponsePerAccount', () => {
  it("keeps each account's latest answer", () => {
    const latest = latestResponsePerAccount([
      response('a', 'loyal', 10, '2026-03-01T00:00:00.000Z'),
      response('b', 'stable', 7, '2026-03-02T00:00:00.000Z'),
      response('a', 'at_risk', 2, '2026-03-05T00:00:00.000Z'),
      response('a', 'loyal', 9, '2026-03-03T00:00:00.000Z'),
    ]);
    expect(latest.map((r) => [r.accountId, r.score])).toEqual([
      ['a', 2],
      ['b', 7],
    ]);
  });
});
