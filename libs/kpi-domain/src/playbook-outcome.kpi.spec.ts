import { type RunOutcome } from '@bellwether/contracts';
import { type RunRecord } from './kpi.types';
import { playbookOutcomesByVariant } from './playbook-outcome.kpi';

let seq = 0;
const run = (playbookId: string, variantId: string, outcome: RunOutcome | null): RunRecord => {
  seq += 1;
  return { runId: `run-${seq}`, playbookId, variantId, accountId: `acc-${seq}`, startedAt: '2026-03-02T09:00:00.000Z', endedAt: outcome === null ? null : '2026-03-20T09:00:00.000Z', outcome };
};

describe('playbookOutcomesByVariant', () => {
  it('counts outcomes and rates per playbook × variant', () => {
    const runs = [
      run('value_rediscovery', 'a', 'recovered'),
      run('value_rediscovery', 'a', 'recovered'),
      run('value_rediscovery', 'a', 'churned'),
      run('value_rediscovery', 'a', 'failed'),
      run('value_rediscovery', 'a', null),
      run('value_rediscovery', 'b', 'expanded'),
      run('value_rediscovery', 'b', 'recovered'),
      run('value_rediscovery', 'b', 'completed'),
      run('detractor_closed_loop', 'control', null),
    ];
    const [detractor, a, b] = playbookOutcomesByVariant(runs);
    // detractor_closed_loop/control: 1 run, still open → no rates.
    expect(detractor).toMatchObject({ playbookId: 'detractor_closed_loop', variantId: 'control', n: 1, open: 1, ended: 0, successes: 0, successRate: null });
    expect(detractor.rates.recovered).toBeNull();
    // value_rediscovery/a: 5 runs, 4 ended (2 recovered, 1 churned, 1 failed), 1 open.
    // success = recovered + expanded = 2 → 2 / 4 = 0.5; churned 1 / 4 = 0.25; failed 1 / 4 = 0.25.
    expect(a).toEqual({
      playbookId: 'value_rediscovery',
      variantId: 'a',
      n: 5,
      open: 1,
      ended: 4,
      outcomes: { recovered: 2, churned: 1, expanded: 0, completed: 0, failed: 1 },
      rates: { recovered: 0.5, churned: 0.25, expanded: 0, completed: 0, failed: 0.25 },
      successes: 2,
      successRate: 0.5,
    });
    // value_rediscovery/b: 3 ended (expanded, recovered, completed) → success 2 / 3.
    expect(b).toMatchObject({ variantId: 'b', ended: 3, successes: 2 });
    expect(b.successRate).toBeCloseTo(2 / 3, 12);
  });

  it('is empty for no runs', () => {
    expect(playbookOutcomesByVariant([])).toEqual([]);
  });
});
