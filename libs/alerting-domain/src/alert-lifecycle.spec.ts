import { acknowledge, decide, resolve, snooze, wake, type AlertState, type DecideContext } from './alert-lifecycle';
import type { RuleOutcome } from './rule.types';
import { ruleConfig } from './score-change.fixture';

const rule = ruleConfig({ id: 'churn_risk_high', severity: 'high', cooldownHours: 24, autoResolve: true });
const firing: RuleOutcome = { ruleId: 'churn_risk_high', category: 'risk', severity: 'high', state: 'firing', evidence: ['churn risk 42% → 67%'] };
const clear: RuleOutcome = { ...firing, state: 'clear', evidence: ['churn risk 67% → 40%'] };
const ctx = (overrides: Partial<DecideContext> = {}): DecideContext => ({
  now: '2026-03-02T10:00:00.000Z',
  accountId: 'acc-1',
  newAlertId: 'alert-2',
  rule,
  inhibited: false,
  contactBudgetLeft: 3,
  ...overrides,
});
const alert = (overrides: Partial<AlertState> = {}): AlertState => ({
  alertId: 'alert-1',
  accountId: 'acc-1',
  ruleId: 'churn_risk_high',
  category: 'risk',
  severity: 'high',
  status: 'open',
  count: 1,
  openedAt: '2026-03-01T10:00:00.000Z',
  lastSeenAt: '2026-03-01T10:00:00.000Z',
  evidence: ['churn risk 30% → 61%'],
  revision: 1,
  ...overrides,
});
const resolvedAt = (iso: string) => alert({ status: 'resolved', resolvedAt: iso, outcome: 'saved', revision: 3 });

describe('decide', () => {
  it('opens a new alert when nothing is active', () => {
    expect(decide(null, firing, ctx())).toEqual({
      kind: 'open',
      alert: {
        alertId: 'alert-2',
        accountId: 'acc-1',
        ruleId: 'churn_risk_high',
        category: 'risk',
        severity: 'high',
        status: 'open',
        count: 1,
        openedAt: '2026-03-02T10:00:00.000Z',
        lastSeenAt: '2026-03-02T10:00:00.000Z',
        evidence: ['churn risk 42% → 67%'],
        revision: 1,
      },
    });
  });

  it('updates an open alert on re-trigger: count, last seen, evidence, revision', () => {
    const decision = decide(alert(), firing, ctx());
    expect(decision).toEqual({
      kind: 'update',
      alert: { ...alert(), count: 2, lastSeenAt: '2026-03-02T10:00:00.000Z', evidence: ['churn risk 42% → 67%'], revision: 2 },
    });
  });

  it('updates acknowledged and snoozed alerts without changing their status', () => {
    const acked = decide(alert({ status: 'acknowledged' }), firing, ctx());
    expect(acked.kind === 'update' && acked.alert.status).toBe('acknowledged');
    const snoozed = decide(alert({ status: 'snoozed', snoozedUntil: '2026-03-05T00:00:00.000Z' }), firing, ctx());
    expect(snoozed.kind === 'update' && snoozed.alert).toMatchObject({ status: 'snoozed', snoozedUntil: '2026-03-05T00:00:00.000Z', count: 2 });
  });

  it('re-opens an acknowledged or snoozed alert when severity rises, and never lowers severity', () => {
    const critical: RuleOutcome = { ...firing, severity: 'critical' };
    const risen = decide(alert({ status: 'snoozed', snoozedUntil: '2026-03-05T00:00:00.000Z' }), critical, ctx());
    expect(risen.kind === 'update' && risen.alert).toMatchObject({ status: 'open', severity: 'critical' });
    expect(risen.kind === 'update' && 'snoozedUntil' in risen.alert).toBe(false);
    const lower = decide(alert({ severity: 'critical' }), firing, ctx());
    expect(lower.kind === 'update' && lower.alert.severity).toBe('critical');
  });

  it('re-opens a snoozed alert whose snooze has run out', () => {
    const decision = decide(alert({ status: 'snoozed', snoozedUntil: '2026-03-02T09:00:00.000Z' }), firing, ctx());
    expect(decision.kind === 'update' && decision.alert.status).toBe('open');
  });

  it('auto-resolves an active alert when the condition clears, without an outcome', () => {
    const decision = decide(alert({ status: 'snoozed', snoozedUntil: '2026-03-05T00:00:00.000Z' }), clear, ctx());
    expect(decision).toEqual({
      kind: 'resolve',
      alert: {
        ...alert(),
        status: 'resolved',
        resolvedAt: '2026-03-02T10:00:00.000Z',
        evidence: ['churn risk 30% → 61%', 'cleared: churn risk 67% → 40%'],
        revision: 2,
      },
    });
  });

  it('does nothing on clear when the rule does not auto-resolve, or nothing is active', () => {
    expect(decide(alert(), clear, ctx({ rule: { ...rule, autoResolve: false } }))).toEqual({ kind: 'none' });
    expect(decide(null, clear, ctx())).toEqual({ kind: 'none' });
    expect(decide(resolvedAt('2026-03-01T00:00:00.000Z'), clear, ctx())).toEqual({ kind: 'none' });
  });

  it('does nothing for a disabled rule', () => {
    expect(decide(null, firing, ctx({ rule: { ...rule, enabled: false } }))).toEqual({ kind: 'none' });
  });

  describe('cool-down', () => {
    it('blocks re-opening within cooldownHours of the resolution', () => {
      expect(decide(resolvedAt('2026-03-01T10:00:00.001Z'), firing, ctx())).toEqual({ kind: 'suppress', reason: 'cooldown' });
    });

    it('re-opens as a new alert once the cool-down is over', () => {
      const decision = decide(resolvedAt('2026-03-01T10:00:00.000Z'), firing, ctx());
      expect(decision.kind === 'open' && decision.alert).toMatchObject({ alertId: 'alert-2', count: 1, revision: 1 });
    });

    it('lets a higher severity through', () => {
      expect(decide(resolvedAt('2026-03-02T09:00:00.000Z'), { ...firing, severity: 'critical' }, ctx()).kind).toBe('open');
    });
  });

  it('suppresses an inhibited alert, then one over the contact budget', () => {
    expect(decide(null, firing, ctx({ inhibited: true, contactBudgetLeft: 0 }))).toEqual({ kind: 'suppress', reason: 'inhibited' });
    expect(decide(null, firing, ctx({ contactBudgetLeft: 0 }))).toEqual({ kind: 'suppress', reason: 'contact_budget' });
  });

  it('holds a supporting-only alert back, but keeps updating one that is already active', () => {
    expect(decide(null, firing, ctx({ supportingOnly: true }))).toEqual({ kind: 'suppress', reason: 'supporting_only' });
    expect(decide(alert(), firing, ctx({ supportingOnly: true })).kind).toBe('update');
  });

  it('keeps updating an active alert even when inhibited or out of budget', () => {
    expect(decide(alert(), firing, ctx({ inhibited: true, contactBudgetLeft: 0 })).kind).toBe('update');
  });

  it('refuses an alert of another rule or account', () => {
    expect(() => decide(alert({ ruleId: 'segment_at_risk' }), firing, ctx())).toThrow(/not for/);
    expect(() => decide(alert({ accountId: 'acc-2' }), firing, ctx())).toThrow(/not for/);
    expect(() => decide(null, { ...firing, ruleId: 'x' }, ctx())).toThrow(/given with rule/);
  });
});

describe('human actions', () => {
  const now = '2026-03-02T10:00:00.000Z';

  it('acknowledges an open or snoozed alert', () => {
    expect(acknowledge(alert(), now)).toEqual({ ok: true, alert: { ...alert(), status: 'acknowledged', revision: 2 } });
    const fromSnooze = acknowledge(alert({ status: 'snoozed', snoozedUntil: '2026-03-05T00:00:00.000Z' }), now);
    expect(fromSnooze.ok && 'snoozedUntil' in fromSnooze.alert).toBe(false);
  });

  it('treats a second acknowledge as a no-op and refuses a resolved alert', () => {
    const acked = alert({ status: 'acknowledged', revision: 4 });
    expect(acknowledge(acked, now)).toEqual({ ok: true, alert: acked });
    expect(acknowledge(resolvedAt(now), now)).toEqual({ ok: false, error: 'cannot acknowledge a resolved alert' });
  });

  it('snoozes until a future instant only', () => {
    expect(snooze(alert(), '2026-03-03T10:00:00.000Z', now)).toEqual({
      ok: true,
      alert: { ...alert(), status: 'snoozed', snoozedUntil: '2026-03-03T10:00:00.000Z', revision: 2 },
    });
    expect(snooze(alert(), now, now)).toMatchObject({ ok: false, error: expect.stringMatching(/must be in the future/) });
    expect(snooze(alert(), 'tomorrow', now)).toMatchObject({ ok: false, error: expect.stringMatching(/until is not an ISO-8601 instant/) });
    expect(snooze(resolvedAt(now), '2026-03-03T10:00:00.000Z', now)).toEqual({ ok: false, error: 'cannot snooze a resolved alert' });
  });

  it('wakes a snoozed alert only once its snooze has run out', () => {
    const snoozed = alert({ status: 'snoozed', snoozedUntil: now, revision: 2 });
    expect(wake(snoozed, now)).toEqual({ ok: true, alert: { ...alert(), status: 'open', revision: 3 } });
    expect(wake(snoozed, '2026-03-02T09:59:59.999Z')).toMatchObject({ ok: false });
    expect(wake(alert(), now)).toEqual({ ok: false, error: 'cannot wake a open alert' });
  });

  it('resolves with an outcome', () => {
    expect(resolve(alert({ status: 'snoozed', snoozedUntil: '2026-03-05T00:00:00.000Z' }), 'saved', now)).toEqual({
      ok: true,
      alert: { ...alert(), status: 'resolved', resolvedAt: now, outcome: 'saved', revision: 2 },
    });
  });

  it('records an outcome on an auto-resolved alert once, keeping its resolution time', () => {
    const auto = alert({ status: 'resolved', resolvedAt: '2026-03-01T12:00:00.000Z', revision: 2 });
    const result = resolve(auto, 'not_actionable', now);
    expect(result).toEqual({ ok: true, alert: { ...auto, outcome: 'not_actionable', revision: 3 } });
    expect(result.ok && resolve(result.alert, 'saved', now)).toEqual({ ok: false, error: 'alert is already resolved as not_actionable' });
  });

  it('rejects an invalid clock value', () => {
    expect(acknowledge(alert(), 'not a time')).toEqual({ ok: false, error: 'now is not an ISO-8601 instant: not a time' });
  });
});
