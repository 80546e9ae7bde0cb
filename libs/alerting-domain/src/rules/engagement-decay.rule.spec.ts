import type { AccountSignals } from '@bellwether/contracts';
import { engagementDecayRule } from './engagement-decay.rule';
import { ruleConfig, scoreChange, signalChange } from '../score-change.fixture';

const config = ruleConfig({ id: 'engagement_decay', severity: 'medium', params: { dropShare: 0.5, minPreviousEmailOpens: 5, minPreviousEventsAttended: 2 } });
const evaluate = (engagement: Partial<AccountSignals['engagement']>) =>
  engagementDecayRule.evaluate({ change: signalChange({ engagement: { emailOpens30: 10, emailOpensPrevious30: 10, eventsAttended30: 2, eventsAttendedPrevious30: 2, ...engagement } }), history: [] }, config);

describe('engagement_decay', () => {
  it('fires when email opens halve, with the windows as evidence', () => {
    expect(evaluate({ emailOpens30: 5, emailOpensPrevious30: 10 })).toEqual({
      state: 'firing',
      evidence: ['5 email opens in the 30 days 2026-02-01 – 2026-03-02 vs 10 in 2026-01-02 – 2026-01-31 (−50%)'],
    });
  });

  it('clears just short of half', () => {
    expect(evaluate({ emailOpens30: 6, emailOpensPrevious30: 10 })?.state).toBe('clear');
  });

  it('fires when event attendance collapses', () => {
    const verdict = evaluate({ eventsAttended30: 1, eventsAttendedPrevious30: 2 });
    expect(verdict?.state).toBe('firing');
    expect(verdict?.evidence).toEqual(['1 event attendances in the 30 days 2026-02-01 – 2026-03-02 vs 2 in 2026-01-02 – 2026-01-31 (−50%)']);
  });

  it('needs a minimum previous count per channel', () => {
    expect(evaluate({ emailOpens30: 0, emailOpensPrevious30: 4 })?.state).toBe('clear');
    expect(evaluate({ emailOpens30: 0, emailOpensPrevious30: 5 })?.state).toBe('firing');
    expect(evaluate({ eventsAttended30: 0, eventsAttendedPrevious30: 1 })?.state).toBe('clear');
  });

  it('has no opinion without signals', () => {
    expect(engagementDecayRule.evaluate({ change: scoreChange(), history: [] }, config)).toBeNull();
  });
});
