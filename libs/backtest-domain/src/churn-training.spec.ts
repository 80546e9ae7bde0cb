import { defaultRuleSet } from '@bellwether/alerting-domain';
import { churnProbability, defaultScorecard, isLearnedModelUsable, learnedChurnModelFromJson, type ChurnInputs } from '@bellwether/scoring-domain';
import { backtestArchetypeMix, generateCustomerBase } from '@bellwether/testing';
import { churnExamplesOf, churnInputsOfChange, churnOutcomesOf, medianChurnTime, trainChurnModel, type ChurnExample } from './churn-training';
import { replayHistory, telemetryEventsOf } from './replay';

const neutral: ChurnInputs = { health: 70, billingTrouble: false, detractor: false, steepDecline: false, longDecline: 0, championLost: false, activityTrend: 1, activeUsers30: 3, seats: 5, tickets30: 0 };

function example(accountId: string, churned: boolean, at: string, inputs: Partial<ChurnInputs>): ChurnExample {
  return { accountId, outcome: { accountId, churned, at, kind: churned ? 'churned' : 'renewed' }, snapshotAt: at, inputs: { ...neutral, ...inputs } };
}

describe('churn model training', () => {
  it('reads from a published change the inputs serving scored: the default model gives the published churn risk', () => {
    const base = generateCustomerBase({ seed: 'determinism-1', accounts: 24, days: 40, nowMs: Date.parse('2026-06-01T00:00:00.000Z'), eventsPerActiveUser: 2, seats: [3, 6] });
    const replay = replayHistory(telemetryEventsOf(base.events), { scorecard: defaultScorecard, ruleSet: defaultRuleSet });
    const differences = replay.changes.map((change) => {
      const inputs = churnInputsOfChange(change);
      return inputs === null ? 1 : Math.abs(churnProbability(defaultScorecard, inputs) - change.after.churnRisk);
    });
    expect(differences.length).toBeGreaterThan(500);
    // Published ratios are rounded (3 decimals): the probability matches to its own rounding.
    expect(Math.max(...differences)).toBeLessThanOrEqual(0.002);
  });

  it('takes each outcome\'s snapshot from the latest change at least the horizon before it, and the median churn as the default cut', () => {
    const events = [
      { type: 'session.started', accountId: 'a', timestamp: '2026-01-01T09:00:00.000Z' },
      { type: 'account.renewed', accountId: 'a', timestamp: '2026-03-01T11:00:00.000Z' },
      { type: 'account.churned', accountId: 'b', timestamp: '2026-02-15T12:00:00.000Z' },
      { type: 'account.churned', accountId: 'c', timestamp: '2026-03-20T12:00:00.000Z' },
      { type: 'account.churned', accountId: 'd', timestamp: '2026-04-20T12:00:00.000Z' },
    ].map((event, index) => ({ schemaVersion: 1 as const, id: `e${index}`, receivedAt: event.timestamp, source: 'native' as const, properties: {}, ...event }));
    const outcomes = churnOutcomesOf(events, ['2026-04-01T00:00:00.000Z']);
    // a renewed, then is still a customer at the checkpoint; b churned before it, c and d are churns too.
    expect(outcomes.map((outcome) => [outcome.accountId, outcome.kind, outcome.at])).toEqual([
      ['b', 'churned', '2026-02-15T12:00:00.000Z'],
      ['a', 'renewed', '2026-03-01T11:00:00.000Z'],
      ['c', 'churned', '2026-03-20T12:00:00.000Z'],
      ['a', 'active', '2026-04-01T00:00:00.000Z'],
      ['d', 'churned', '2026-04-20T12:00:00.000Z'],
    ]);
    expect(medianChurnTime(outcomes)).toBe('2026-03-20T12:00:00.000Z');
    const replay = replayHistory(telemetryEventsOf([]), { scorecard: defaultScorecard, ruleSet: defaultRuleSet });
    expect(churnExamplesOf(replay.changesByAccount, outcomes)).toEqual([]);
  });

  it('fits a regularised logistic regression: billing trouble learned as a risk, the hold-out scored, the default as a comparison', () => {
    // Training (up to the cut): churn comes with billing trouble 3 times of 4; retention without it 3 times of 4.
    const examples: ChurnExample[] = [];
    for (let index = 0; index < 40; index += 1) {
      const day = String(1 + (index % 28)).padStart(2, '0');
      examples.push(example(`c${index}`, true, `2026-02-${day}T00:00:00.000Z`, { billingTrouble: index % 4 !== 0 }));
      examples.push(example(`r${index}`, false, `2026-02-${day}T00:00:00.000Z`, { billingTrouble: index % 4 === 0 }));
    }
    examples.push(example('late-churn', true, '2026-04-01T00:00:00.000Z', { billingTrouble: true }), example('late-stay', false, '2026-04-02T00:00:00.000Z', {}));
    const report = trainChurnModel(examples, { cutDate: '2026-03-01T00:00:00.000Z', version: 'test-1', l2: 1 });
    expect(report.converged).toBe(true);
    expect(report.model.trainedOn).toMatchObject({ churned: 40, retained: 40, cutDate: '2026-03-01T00:00:00.000Z', l2: 1, horizonDays: 30 });
    // The flag standardised is ±1 (mean 0.5, sd 0.5). Unpenalised: odds 3 with it, 1/3 without →
    // intercept 0, coefficient log 3 = 1.0986. With λ = 1 the optimum solves ∂/∂b = 0:
    // 2 × (30 − 40 σ(b)) = λ b, i.e. b = 60 − 80 σ(b) → b ≈ 1.031.
    const billing = report.model.coefficients.billing_trouble ?? 0;
    expect(billing).toBeCloseTo(60 - 80 / (1 + Math.exp(-billing)), 8);
    expect(billing).toBeCloseTo(1.031, 3);
    expect(report.model.intercept).toBeCloseTo(0, 8);
    // Features that never vary keep a zero coefficient and a unit scale.
    expect(report.model.coefficients.detractor).toBe(0);
    expect(report.model.standardisation.detractor).toEqual({ mean: 0, scale: 1 });
    expect(report.holdOut.learned).toMatchObject({ examples: 2, churned: 1, auc: 1 });
    expect(report.model.metrics).toMatchObject({ holdOut: report.holdOut });
    // The model as written to JSON is a valid scorecard field.
    expect(learnedChurnModelFromJson(JSON.parse(JSON.stringify(report.model)))).toEqual({ ok: true, model: JSON.parse(JSON.stringify(report.model)) });
    expect(isLearnedModelUsable(report.model, 40)).toBe(true);
    expect(isLearnedModelUsable(report.model, 41)).toBe(false);
  });

  it('refuses to train without both classes before the cut', () => {
    const examples = [example('a', true, '2026-02-01T00:00:00.000Z', {}), example('b', false, '2026-04-01T00:00:00.000Z', {})];
    expect(() => trainChurnModel(examples, { cutDate: '2026-03-01T00:00:00.000Z', version: 'x' })).toThrow('training needs churned and retained outcomes before 2026-03-01T00:00:00.000Z (got 1 churned of 1)');
    expect(() => trainChurnModel(examples, { cutDate: '2026-03-01T00:00:00.000Z', version: 'x', l2: -1 })).toThrow('l2 must be ≥ 0');
  });

  it('learns from a generated history with known churners a model that beats the default\'s AUC on the hold-out', () => {
    const base = generateCustomerBase({ seed: 'churn-1', accounts: 120, days: 180, nowMs: Date.parse('2026-06-01T00:00:00.000Z'), eventsPerActiveUser: 1, seats: [3, 6], mix: backtestArchetypeMix });
    const events = telemetryEventsOf(base.events);
    const replay = replayHistory(events, { scorecard: defaultScorecard, ruleSet: defaultRuleSet });
    const cut = medianChurnTime(churnOutcomesOf(events, [])) as string;
    // 14 days: the generator's churners show their trouble 2–4 weeks before the churn (see the report).
    const examples = churnExamplesOf(replay.changesByAccount, churnOutcomesOf(events, [cut, base.endTime]), 14);
    const report = trainChurnModel(examples, { cutDate: cut, version: 'churn-1', horizonDays: 14 });
    expect(report.holdOut.learned.churned).toBeGreaterThanOrEqual(15);
    expect(report.holdOut.learned.auc).toBeGreaterThan(report.holdOut.default.auc as number);
    expect(report.holdOut.learned.brier).toBeLessThan(report.holdOut.default.brier as number);
  }, 600_000);
});
