import { accountPeriodRecord, type AccountFacts } from './account-period.builder';
import type { KpiPeriod } from './kpi.types';

const period: KpiPeriod = { start: '2026-03-01T00:00:00.000Z', end: '2026-04-01T00:00:00.000Z', months: 1 };
const facts = (revenue: AccountFacts['revenue']): AccountFacts => ({ accountId: 'acme', segment: 'stable', cohort: '2025-06', revenue });

describe('accountPeriodRecord', () => {
  it('replays MRR: 1000 at start, +500 expansion, −200 contraction in the period → 1300 at the end', () => {
    expect(
      accountPeriodRecord(
        facts([
          { at: '2025-06-01T00:00:00Z', kind: 'subscription', mrr: 1000 },
          { at: '2026-03-10T00:00:00Z', kind: 'expanded', delta: 500 },
          { at: '2026-03-20T00:00:00Z', kind: 'contracted', delta: -200 },
          { at: '2026-04-05T00:00:00Z', kind: 'churned' },
        ]),
        period,
      ),
    ).toMatchObject({ mrrAtStart: 1000, mrrAtEnd: 1300, expansionMrr: 500, contractionMrr: 200, churnedAt: null, newInPeriod: false });
  });

  it('records churn in the period with the MRR lost', () => {
    expect(
      accountPeriodRecord(facts([{ at: '2025-06-01T00:00:00Z', kind: 'subscription', mrr: 800 }, { at: '2026-03-15T00:00:00Z', kind: 'churned' }]), period),
    ).toMatchObject({ mrrAtStart: 800, mrrAtEnd: 0, churnedAt: '2026-03-15T00:00:00Z', churnedMrr: 800 });
  });

  it('marks an account that started paying in the period as new, not as expansion', () => {
    expect(accountPeriodRecord(facts([{ at: '2026-03-05T00:00:00Z', kind: 'subscription', mrr: 300 }]), period)).toMatchObject({
      mrrAtStart: 0,
      mrrAtEnd: 300,
      expansionMrr: 0,
      newInPeriod: true,
    });
  });

  it('counts a plan change by its direction', () => {
    const result = accountPeriodRecord(
      facts([{ at: '2025-01-01T00:00:00Z', kind: 'subscription', mrr: 1000 }, { at: '2026-03-02T00:00:00Z', kind: 'subscription', mrr: 600 }]),
      period,
    );
    expect(result).toMatchObject({ contractionMrr: 400, expansionMrr: 0, mrrAtEnd: 600 });
  });
});
