import { accountPeriodRecord, type AccountFacts } from './account-period.builder';
import { grossRevenueRetention, logoChurnRate, netRevenueRetention, revenueChurnRate } from './churn.kpi';
import type { KpiPeriod } from './kpi.types';
import type { RevenueEntry } from './mrr-movements.builder';

const period: KpiPeriod = { start: '2026-03-01T00:00:00.000Z', end: '2026-04-01T00:00:00.000Z', months: 1 };
const facts = (revenue: AccountFacts['revenue'], accountId = 'acme'): AccountFacts => ({ accountId, segment: 'stable', cohort: '2025-06', revenue });
const level = (id: string, at: string, mrr: number): RevenueEntry => ({ id, at, kind: 'subscription', mrr });
const expanded = (id: string, at: string, delta: number): RevenueEntry => ({ id, at, kind: 'expanded', delta });
const contracted = (id: string, at: string, delta: number): RevenueEntry => ({ id, at, kind: 'contracted', delta });
const churned = (id: string, at: string): RevenueEntry => ({ id, at, kind: 'churned' });

describe('accountPeriodRecord', () => {
  it('replays MRR: 1000 at start, +500 expansion, −200 contraction in the period → 1300 at the end', () => {
    expect(
      accountPeriodRecord(
        facts([
          level('s', '2025-06-01T00:00:00Z', 1000),
          expanded('x', '2026-03-10T00:00:00Z', 500),
          contracted('c', '2026-03-20T00:00:00Z', -200),
          churned('ch', '2026-04-05T00:00:00Z'),
        ]),
        period,
      ),
    ).toMatchObject({ mrrAtStart: 1000, mrrAtEnd: 1300, expansionMrr: 500, contractionMrr: 200, churnedAt: null, newInPeriod: false });
  });

  it('passes the account’s CAC and gross margin through, and leaves them out when it has none', () => {
    const revenue = [level('s', '2025-06-01T00:00:00Z', 1000)];
    expect(accountPeriodRecord({ ...facts(revenue), cacUsd: 6000, grossMarginPct: 0.75 }, period)).toMatchObject({ cacUsd: 6000, grossMarginPct: 0.75 });
    expect(accountPeriodRecord({ ...facts(revenue), cacUsd: 0 }, period)).toMatchObject({ cacUsd: 0 });
    const bare = accountPeriodRecord(facts(revenue), period);
    expect(bare).not.toHaveProperty('cacUsd');
    expect(bare).not.toHaveProperty('grossMarginPct');
  });

  it('records churn in the period with the MRR lost', () => {
    expect(accountPeriodRecord(facts([level('s', '2025-06-01T00:00:00Z', 800), churned('ch', '2026-03-15T00:00:00Z')]), period)).toMatchObject({
      mrrAtStart: 800,
      mrrAtEnd: 0,
      churnedAt: '2026-03-15T00:00:00Z',
      churnedMrr: 800,
    });
  });

  it('marks an account that started paying in the period as new, not as expansion', () => {
    expect(accountPeriodRecord(facts([level('s', '2026-03-05T00:00:00Z', 300)]), period)).toMatchObject({
      mrrAtStart: 0,
      mrrAtEnd: 300,
      expansionMrr: 0,
      newInPeriod: true,
    });
  });

  it('counts a plan change by its direction', () => {
    const result = accountPeriodRecord(facts([level('s', '2025-01-01T00:00:00Z', 1000), level('cut', '2026-03-02T00:00:00Z', 600)]), period);
    expect(result).toMatchObject({ contractionMrr: 400, expansionMrr: 0, mrrAtEnd: 600 });
  });

  // One account at 1000 before March; GRR = max(0, 1000 − contraction − churned) / 1000,
  // NRR = max(0, 1000 + expansion − contraction − churned) / 1000, worked out by hand per row.
  const before = level('s', '2025-06-01T00:00:00.000Z', 1000);
  const table: readonly { name: string; revenue: RevenueEntry[]; expansion: number; contraction: number; churned: number; end: number; grr: number; nrr: number }[] = [
    { name: 'level alone: 1000 → 700', revenue: [level('l', '2026-03-10T00:00:00.000Z', 700)], expansion: 0, contraction: 300, churned: 0, end: 700, grr: 0.7, nrr: 0.7 },
    { name: 'delta alone: −300', revenue: [contracted('d', '2026-03-10T00:00:00.000Z', -300)], expansion: 0, contraction: 300, churned: 0, end: 700, grr: 0.7, nrr: 0.7 },
    {
      name: 'level then delta 6 h later (was contraction 600, GRR 0.4)',
      revenue: [level('l', '2026-03-10T00:00:00.000Z', 700), contracted('d', '2026-03-10T06:00:00.000Z', -300)],
      expansion: 0,
      contraction: 300,
      churned: 0,
      end: 700,
      grr: 0.7,
      nrr: 0.7,
    },
    {
      name: 'delta then level 6 h later',
      revenue: [contracted('d', '2026-03-10T00:00:00.000Z', -300), level('l', '2026-03-10T06:00:00.000Z', 700)],
      expansion: 0,
      contraction: 300,
      churned: 0,
      end: 700,
      grr: 0.7,
      nrr: 0.7,
    },
    {
      name: 'upgrade: account.expanded +500 a minute before the level 1500',
      revenue: [expanded('d', '2026-03-10T00:00:00.000Z', 500), level('l', '2026-03-10T00:01:00.000Z', 1500)],
      expansion: 500,
      contraction: 0,
      churned: 0,
      end: 1500,
      grr: 1,
      nrr: 1.5,
    },
    {
      name: 'level then a contraction 8 days later: two movements',
      revenue: [level('l', '2026-03-10T00:00:00.000Z', 700), contracted('d', '2026-03-18T00:00:00.000Z', -300)],
      expansion: 0,
      contraction: 600,
      churned: 0,
      end: 400,
      grr: 0.4,
      nrr: 0.4,
    },
    {
      name: 'upgrade to 1500 and an unrelated contraction of 200',
      revenue: [level('l', '2026-03-10T00:00:00.000Z', 1500), contracted('d', '2026-03-10T01:00:00.000Z', -200)],
      expansion: 500,
      contraction: 200,
      churned: 0,
      end: 1300,
      grr: 0.8,
      nrr: 1.3,
    },
    {
      name: 'cancellation as a subscription at 0, then account.churned (was a contraction, no churn)',
      revenue: [level('l', '2026-03-20T00:00:00.000Z', 0), churned('ch', '2026-03-20T01:00:00.000Z')],
      expansion: 0,
      contraction: 0,
      churned: 1000,
      end: 0,
      grr: 0,
      nrr: 0,
    },
  ];

  it.each(table)('$name: expansion $expansion, contraction $contraction, churned $churned, GRR $grr, NRR $nrr', ({ revenue, expansion, contraction, churned: lost, end, grr, nrr }) => {
    const record = accountPeriodRecord(facts([before, ...revenue]), period);
    expect(record).toMatchObject({ mrrAtStart: 1000, mrrAtEnd: end, expansionMrr: expansion, contractionMrr: contraction, churnedMrr: lost });
    expect(grossRevenueRetention([record]).value).toBeCloseTo(grr, 10);
    expect(netRevenueRetention([record]).value).toBeCloseTo(nrr, 10);
    // The same events in the opposite arrival order: the same record.
    expect(accountPeriodRecord(facts([...revenue].reverse().concat(before)), period)).toEqual(record);
  });

  describe('issue 18: a seat cut sent as subscription.changed with a lower MRR plus account.contracted', () => {
    // Two accounts at the start of March: 6700 + 3300 = 10,000. The seat cut takes 300 off the first
    // (6700 → 6400); the second churns (3300). Lost MRR counted once: 300 + 3300 = 3600, GRR =
    // (6400 + 0) / 10,000 = 0.64. Counted twice it was 3900 and (6700 − 600) / 10,000 = 0.61.
    const churner = facts([level('b-start', '2025-01-01T00:00:00.000Z', 3300), churned('b-churn', '2026-03-20T00:00:00.000Z')], 'churner');
    const seatCut = (revenue: RevenueEntry[]) => facts([level('a-start', '2025-06-01T00:00:00.000Z', 6700), ...revenue], 'seat-cut');
    const orders = {
      'level first': [level('a-cut', '2026-03-10T09:00:00.000Z', 6400), contracted('a-crm', '2026-03-10T15:00:00.000Z', -300)],
      'delta first': [contracted('a-crm', '2026-03-09T09:00:00.000Z', -300), level('a-cut', '2026-03-10T09:00:00.000Z', 6400)],
      'level alone': [level('a-cut', '2026-03-10T09:00:00.000Z', 6400)],
      'delta alone': [contracted('a-crm', '2026-03-10T15:00:00.000Z', -300)],
    };

    it.each(Object.entries(orders))('%s: lost MRR 3600, GRR 0.64, NRR 0.64', (_, revenue) => {
      const records = [accountPeriodRecord(seatCut(revenue), period), accountPeriodRecord(churner, period)];
      expect(grossRevenueRetention(records)).toEqual({ value: 0.64, n: 2 });
      expect(revenueChurnRate(records, 1)).toMatchObject({ lost: 3600, base: 10_000, periodValue: 0.36 });
      expect(records[0]).toMatchObject({ mrrAtStart: 6700, mrrAtEnd: 6400, contractionMrr: 300, expansionMrr: 0 });
      expect(netRevenueRetention(records)).toEqual({ value: 0.64, n: 2 });
      expect(logoChurnRate(records, 1)).toMatchObject({ lost: 1, base: 2 });
    });
  });

  describe('a movement straddling the period end counts once, in the period of the level', () => {
    const april: KpiPeriod = { start: '2026-04-01T00:00:00.000Z', end: '2026-05-01T00:00:00.000Z', months: 1 };
    it('delta on 31 March, level on 2 April: April’s contraction, not March’s', () => {
      const revenue = facts([before, contracted('d', '2026-03-31T23:00:00.000Z', -300), level('l', '2026-04-02T00:00:00.000Z', 700)]);
      expect(accountPeriodRecord(revenue, period)).toMatchObject({ mrrAtEnd: 1000, contractionMrr: 0 });
      expect(accountPeriodRecord(revenue, april)).toMatchObject({ mrrAtStart: 1000, contractionMrr: 300, mrrAtEnd: 700 });
    });
    it('level on 30 March, delta on 1 April: March’s contraction, not April’s', () => {
      const revenue = facts([before, level('l', '2026-03-30T00:00:00.000Z', 700), contracted('d', '2026-04-01T01:00:00.000Z', -300)]);
      expect(accountPeriodRecord(revenue, period)).toMatchObject({ contractionMrr: 300, mrrAtEnd: 700 });
      expect(accountPeriodRecord(revenue, april)).toMatchObject({ mrrAtStart: 700, contractionMrr: 0, mrrAtEnd: 700 });
    });
  });
});
