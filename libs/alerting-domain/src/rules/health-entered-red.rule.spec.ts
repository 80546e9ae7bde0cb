import { healthEnteredRedRule } from './health-entered-red.rule';
import { ruleConfig, scoreChange, snapshot } from '../score-change.fixture';

const config = ruleConfig();
const evaluate = (before: ReturnType<typeof snapshot> | null, after: ReturnType<typeof snapshot>) =>
  healthEnteredRedRule.evaluate({ change: scoreChange({ before, after }), history: [] }, config);

describe('health_entered_red', () => {
  it('fires when health enters red, with the movement and the reasons as evidence', () => {
    const verdict = evaluate(snapshot({ health: 72, band: 'green' }), snapshot({ health: 35, band: 'red' }));
    expect(verdict).toEqual({
      state: 'firing',
      evidence: ['health 72 → 35 (red) on 2026-03-02', 'product_usage fell: 2 weekly active users of 20 seats'],
    });
  });

  it('does not fire at exactly 40, which is yellow', () => {
    expect(evaluate(snapshot({ health: 45, band: 'yellow' }), snapshot({ health: 40, band: 'yellow' }))?.state).toBe('clear');
  });

  it('fires at 39.9 and shows the decimal', () => {
    const verdict = evaluate(snapshot({ health: 45, band: 'yellow' }), snapshot({ health: 39.9, band: 'red' }));
    expect(verdict?.state).toBe('firing');
    expect(verdict?.evidence[0]).toBe('health 45 → 39.9 (red) on 2026-03-02');
  });

  it('fires for a first score in red', () => {
    expect(evaluate(null, snapshot({ health: 20, band: 'red' }))?.evidence[0]).toBe('health 20 (red) on 2026-03-02');
  });

  it('keeps firing while still red, saying so', () => {
    const verdict = evaluate(snapshot({ health: 35, band: 'red' }), snapshot({ health: 30, band: 'red' }));
    expect(verdict?.state).toBe('firing');
    expect(verdict?.evidence[0]).toBe('health 35 → 30 (red) on 2026-03-02, still red');
  });

  it('clears when health leaves red', () => {
    expect(evaluate(snapshot({ health: 35, band: 'red' }), snapshot({ health: 41, band: 'yellow' }))).toEqual({
      state: 'clear',
      evidence: ['health 35 → 41 (yellow) on 2026-03-02'],
    });
  });
});
