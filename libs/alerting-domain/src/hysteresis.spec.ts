import { DAY_MS } from '@bellwether/contracts';
import { decide, isActive, type AlertState } from './alert-lifecycle';
import { applyHysteresis, type HysteresisState } from './hysteresis';
import { defaultRuleSet, findRule, type AlertRuleConfig, type RuleSet } from './rule-config';
import type { RuleOutcome } from './rule.types';
import { evaluateScoreRules } from './rules';
import { ruleConfig, scoreChange, signalChange, snapshot } from './score-change.fixture';

const day = (n: number) => new Date(Date.parse('2026-03-02T10:00:00.000Z') + n * DAY_MS).toISOString();
const firing: RuleOutcome = { ruleId: 'renewal_at_risk', category: 'risk', severity: 'high', state: 'firing', evidence: ['renewal in 40 days'] };
const clear: RuleOutcome = { ...firing, state: 'clear' };
const held = ruleConfig({ id: 'renewal_at_risk', severity: 'high', holdsForHours: 72, clearForHours: 72 });

/**
 * The alerting consumer's loop for one rule on one account, in miniature: evaluate (with the
 * rule's clear margin while active), hysteresis, lifecycle. Returns how many alerts opened and
 * resolved, and the alert at the end.
 */
function replay(rules: RuleSet, ruleId: string, healths: readonly number[]): { opened: number; resolved: number; alert: AlertState | null } {
  const rule = findRule(rules, ruleId) as AlertRuleConfig;
  let alert: AlertState | null = null;
  let pending: HysteresisState | null = null;
  let opened = 0;
  let resolved = 0;
  healths.forEach((health, n) => {
    const band = health >= 70 ? 'green' : health >= 40 ? 'yellow' : 'red';
    const change = { ...signalChange({ contract: { renewalInDays: 89 - n, renewalDate: '2026-05-01' } }, { health, band }), eventTime: day(n) };
    const active = alert !== null && isActive(alert);
    const [outcome] = evaluateScoreRules(change, [], { version: 't', rules: [rule] }, new Set(active ? [ruleId] : []));
    if (!outcome) return;
    const verdict = applyHysteresis(outcome, rule, active, pending, day(n));
    pending = verdict.next;
    if (verdict.verdict !== 'pass') return;
    const decision = decide(alert, verdict.outcome, { now: day(n), accountId: 'acc-1', newAlertId: `al-${n}`, rule, inhibited: false, contactBudgetLeft: 99 });
    if (decision.kind === 'open') opened += 1;
    if (decision.kind === 'resolve') resolved += 1;
    if (decision.kind === 'open' || decision.kind === 'update' || decision.kind === 'resolve') alert = decision.alert;
  });
  return { opened, resolved, alert };
}

/** The default rules as they were before hysteresis: no holds, no clear-for, no margin. */
const withoutHysteresis: RuleSet = {
  version: 'old',
  rules: defaultRuleSet.rules.map(({ holdsForHours: _h, clearForHours: _c, ...rule }) => ({ ...rule, params: { withinDays: rule.params['withinDays'] ?? 90 } })),
};

describe('applyHysteresis', () => {
  it('holds a firing rule pending until it has fired over holdsForHours of event time', () => {
    const first = applyHysteresis(firing, held, false, null, day(0));
    expect(first).toEqual({ verdict: 'pending', next: { firingSince: day(0) } });
    expect(applyHysteresis(firing, held, false, first.next, day(2))).toEqual({ verdict: 'pending', next: { firingSince: day(0) } });
    expect(applyHysteresis(firing, held, false, first.next, day(3))).toEqual({ verdict: 'pass', outcome: firing, next: { firingSince: day(0) } });
  });

  it('starts the hold over after a clear evaluation in between', () => {
    const pending = applyHysteresis(firing, held, false, null, day(0)).next;
    const cleared = applyHysteresis(clear, held, false, pending, day(1));
    expect(cleared).toEqual({ verdict: 'pass', outcome: clear, next: null });
    expect(applyHysteresis(firing, held, false, cleared.next, day(3))).toEqual({ verdict: 'pending', next: { firingSince: day(3) } });
  });

  it('keeps an active alert until the condition stayed clear for clearForHours; a firing evaluation starts that over', () => {
    const clearing = applyHysteresis(clear, held, true, null, day(0));
    expect(clearing).toEqual({ verdict: 'clearing', next: { clearSince: day(0) } });
    expect(applyHysteresis(firing, held, true, clearing.next, day(1))).toEqual({ verdict: 'pass', outcome: firing, next: null });
    expect(applyHysteresis(clear, held, true, clearing.next, day(3))).toEqual({ verdict: 'pass', outcome: clear, next: null });
  });

  it('passes event signals at once (holdsFor 0), as every default event rule has', () => {
    const rule = findRule(defaultRuleSet, 'payment_failed') as AlertRuleConfig;
    expect(applyHysteresis({ ...firing, ruleId: 'payment_failed' }, rule, false, null, day(0)).verdict).toBe('pass');
    for (const id of ['payment_failed', 'invoice_overdue', 'nps_detractor', 'support_escalation', 'downgrade_requested']) {
      expect(findRule(defaultRuleSet, id)?.holdsForHours).toBe(0);
    }
  });

  it('decides on event time only: the same inputs give the same verdicts', () => {
    const a = applyHysteresis(firing, held, false, { firingSince: day(0) }, day(3));
    const b = applyHysteresis(firing, held, false, { firingSince: day(0) }, day(3));
    expect(a).toEqual(b);
  });
});

describe('renewal_at_risk with the default hysteresis', () => {
  // Health dips to 69 for a day every 8 days (past the 7-day cool-down), 71 in between.
  const wobble = Array.from({ length: 56 }, (_, n) => (n % 8 === 0 ? 69 : 71));
  // Daily crossings, and two days below in a row.
  const fastWobble = Array.from({ length: 30 }, (_, n) => (n % 2 === 0 ? 69 : 71));
  const twoDayDips = Array.from({ length: 30 }, (_, n) => (n % 4 < 2 ? 68 : 72));

  it('opened 7 times on a health wobbling across 70 without hysteresis (the reported case)', () => {
    expect(replay(withoutHysteresis, 'renewal_at_risk', wobble).opened).toBe(7);
  });

  it('opens nothing on those wobbles with the defaults', () => {
    for (const healths of [wobble, fastWobble, twoDayDips]) {
      expect(replay(defaultRuleSet, 'renewal_at_risk', healths)).toMatchObject({ opened: 0, resolved: 0, alert: null });
    }
  });

  it('opens once when health stays below 70 for three days', () => {
    const result = replay(defaultRuleSet, 'renewal_at_risk', [65, 65, 65, 65, 64]);
    expect(result.opened).toBe(1);
    expect(result.alert?.openedAt).toBe(day(3));
  });

  it('keeps the open alert through a wobble between 69 and 74 (clear margin: 75), and resolves after 3 days at ≥ 75', () => {
    const open = [65, 65, 65, 65];
    expect(replay(defaultRuleSet, 'renewal_at_risk', [...open, 71, 69, 74, 69, 72, 73])).toMatchObject({ opened: 1, resolved: 0, alert: { status: 'open' } });
    const recovered = replay(defaultRuleSet, 'renewal_at_risk', [...open, 76, 77, 78, 80]);
    expect(recovered).toMatchObject({ opened: 1, resolved: 1, alert: { status: 'resolved', resolvedAt: day(7) } });
  });
});

describe('clear margins', () => {
  it('churn_risk_high: an active alert clears only below threshold − clearMargin', () => {
    const rules: RuleSet = { version: 't', rules: [findRule(defaultRuleSet, 'churn_risk_high') as AlertRuleConfig] };
    const at = (churnRisk: number, active: boolean) => evaluateScoreRules(scoreChange({ after: snapshot({ churnRisk }) }), [], rules, new Set(active ? ['churn_risk_high'] : []))[0]?.state;
    expect(at(0.58, false)).toBe('clear');
    expect(at(0.58, true)).toBe('firing');
    expect(at(0.54, true)).toBe('clear');
    expect(at(0.6, false)).toBe('firing');
  });
});
