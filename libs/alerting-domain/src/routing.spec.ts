import { routeTo } from './routing';

describe('routeTo', () => {
  it("routes to the owner CSM's queue", () => {
    expect(routeTo({ csmId: 'csm-9', arrUsd: 500_000, segment: 'at_risk' })).toEqual({ queue: 'csm:csm-9' });
  });

  it('routes unowned accounts to the team queue of their tier', () => {
    expect(routeTo({ arrUsd: 300_000, segment: 'stable' })).toEqual({ queue: 'team:enterprise' });
    expect(routeTo({ arrUsd: 50_000, segment: 'stable' })).toEqual({ queue: 'team:mid-market' });
    expect(routeTo({ arrUsd: 49_999, segment: 'loyal' })).toEqual({ queue: 'team:smb' });
    expect(routeTo({ segment: 'at_risk' })).toEqual({ queue: 'team:smb' });
  });

  it('treats a blank CSM id as unowned', () => {
    expect(routeTo({ csmId: '  ', arrUsd: 100_000, segment: 'stable' })).toEqual({ queue: 'team:mid-market' });
  });
});
