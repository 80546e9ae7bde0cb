import fc from 'fast-check';
import { MRR_RECONCILIATION_WINDOW_DAYS, mrrMovements, revenueReadUntil, type RevenueEntry } from './mrr-movements.builder';

const level = (id: string, at: string, mrr: number): RevenueEntry => ({ id, at, kind: 'subscription', mrr });
const expanded = (id: string, at: string, delta: number): RevenueEntry => ({ id, at, kind: 'expanded', delta });
const contracted = (id: string, at: string, delta: number): RevenueEntry => ({ id, at, kind: 'contracted', delta });
const churned = (id: string, at: string): RevenueEntry => ({ id, at, kind: 'churned' });

/** `[eventId, from, to, churn]` per movement: what the KPIs count. */
const moves = (revenue: readonly RevenueEntry[], windowDays?: number) => mrrMovements(revenue, windowDays).movements.map((m) => [m.eventId, m.from, m.to, m.churn]);

const start = level('start', '2025-06-01T00:00:00.000Z', 6700);

describe('mrrMovements: the subscription level is the source of truth', () => {
  it('the seat cut of issue 18, level first: the account.contracted 6 h later is the same movement, counted once', () => {
    const ledger = mrrMovements([start, level('cut', '2026-03-10T09:00:00.000Z', 6400), contracted('crm', '2026-03-10T15:00:00.000Z', -300)]);
    expect(ledger.movements.map((m) => [m.eventId, m.from, m.to])).toEqual([
      ['start', 0, 6700],
      ['cut', 6700, 6400],
    ]);
    expect(ledger.reconciled).toEqual([{ eventId: 'crm', against: 'cut' }]);
  });

  it('the same seat cut, delta first: the level a day later counts it, at its own time', () => {
    const ledger = mrrMovements([start, contracted('crm', '2026-03-09T09:00:00.000Z', -300), level('cut', '2026-03-10T09:00:00.000Z', 6400)]);
    expect(ledger.movements.map((m) => [m.eventId, m.at, m.from, m.to])).toEqual([
      ['start', '2025-06-01T00:00:00.000Z', 0, 6700],
      ['cut', '2026-03-10T09:00:00.000Z', 6700, 6400],
    ]);
    expect(ledger.reconciled).toEqual([{ eventId: 'crm', against: 'cut' }]);
  });

  it('a delta alone moves the level itself, whatever the sign of mrrDelta; a later level then sets it from there', () => {
    expect(moves([start, contracted('c', '2026-03-10T00:00:00.000Z', -300)])).toEqual([
      ['start', 0, 6700, false],
      ['c', 6700, 6400, false],
    ]);
    expect(moves([start, contracted('c', '2026-03-10T00:00:00.000Z', 300)])).toEqual([
      ['start', 0, 6700, false],
      ['c', 6700, 6400, false],
    ]);
    // A renewal a month later restates 6400: nothing moves.
    expect(moves([start, contracted('c', '2026-03-10T00:00:00.000Z', -300), level('renewal', '2026-04-10T00:00:00.000Z', 6400)])).toEqual([
      ['start', 0, 6700, false],
      ['c', 6700, 6400, false],
    ]);
    // Not below 0.
    expect(moves([level('s', '2025-06-01T00:00:00.000Z', 100), contracted('c', '2026-03-10T00:00:00.000Z', -300)])).toEqual([
      ['s', 0, 100, false],
      ['c', 100, 0, false],
    ]);
  });

  it('a level alone is its own movement', () => {
    expect(moves([start, level('cut', '2026-03-10T00:00:00.000Z', 6400)])).toEqual([
      ['start', 0, 6700, false],
      ['cut', 6700, 6400, false],
    ]);
  });

  it('the level’s amount counts when the delta disagrees with it (6700 → 6350 with a contraction of 300)', () => {
    const disagreeing = [start, level('cut', '2026-03-10T00:00:00.000Z', 6350), contracted('c', '2026-03-10T01:00:00.000Z', -300)];
    expect(moves(disagreeing)).toEqual([
      ['start', 0, 6700, false],
      ['cut', 6700, 6350, false],
    ]);
    expect(moves([start, contracted('c', '2026-03-09T23:00:00.000Z', -300), level('cut', '2026-03-10T00:00:00.000Z', 6350)])).toEqual(moves(disagreeing));
  });

  it('reconciles only within the window: a contraction 8 days after the level is a movement of its own', () => {
    const late = [start, level('cut', '2026-03-10T00:00:00.000Z', 6400), contracted('c', '2026-03-18T00:00:00.000Z', -300)];
    expect(MRR_RECONCILIATION_WINDOW_DAYS).toBe(7);
    expect(moves(late)).toEqual([
      ['start', 0, 6700, false],
      ['cut', 6700, 6400, false],
      ['c', 6400, 6100, false],
    ]);
    expect(moves(late, 8)).toEqual([
      ['start', 0, 6700, false],
      ['cut', 6700, 6400, false],
    ]);
    // The window is inclusive: exactly 7 days apart still reconciles.
    expect(moves([start, level('cut', '2026-03-10T00:00:00.000Z', 6400), contracted('c', '2026-03-17T00:00:00.000Z', -300)])).toHaveLength(2);
  });

  it('reconciles only in the same direction: a contraction next to an upgrade is a movement of its own', () => {
    expect(moves([start, level('up', '2026-03-10T00:00:00.000Z', 7200), contracted('c', '2026-03-10T01:00:00.000Z', -200)])).toEqual([
      ['start', 0, 6700, false],
      ['up', 6700, 7200, false],
      ['c', 7200, 7000, false],
    ]);
    // A restated level (no change) confirms nothing either.
    expect(moves([start, level('same', '2026-03-10T00:00:00.000Z', 6700), contracted('c', '2026-03-10T01:00:00.000Z', -200)])).toEqual([
      ['start', 0, 6700, false],
      ['c', 6700, 6500, false],
    ]);
  });

  it('an expansion sent as account.expanded a minute before the upgraded subscription (the generator’s pattern) counts once', () => {
    expect(moves([level('s', '2025-06-01T00:00:00.000Z', 1000), expanded('x', '2026-03-10T10:00:00.000Z', 500), level('up', '2026-03-10T10:01:00.000Z', 1500)])).toEqual([
      ['s', 0, 1000, false],
      ['up', 1000, 1500, false],
    ]);
  });

  it('one level change confirms several deltas that add up to it', () => {
    const split = [start, contracted('c1', '2026-03-09T00:00:00.000Z', -100), contracted('c2', '2026-03-09T06:00:00.000Z', -200), level('cut', '2026-03-10T00:00:00.000Z', 6400)];
    expect(mrrMovements(split).reconciled).toEqual([
      { eventId: 'c1', against: 'cut' },
      { eventId: 'c2', against: 'cut' },
    ]);
  });

  it('a new subscription logged by a CRM as an expansion too is new business once', () => {
    expect(moves([level('new', '2026-03-10T00:00:00.000Z', 900), expanded('x', '2026-03-10T02:00:00.000Z', 900)])).toEqual([['new', 0, 900, false]]);
  });

  describe('churn', () => {
    it('takes the MRR to 0 as a churn; a subscription at 0 after it moves nothing', () => {
      expect(moves([start, churned('ch', '2026-03-20T00:00:00.000Z'), level('zero', '2026-03-20T01:00:00.000Z', 0)])).toEqual([
        ['start', 0, 6700, false],
        ['ch', 6700, 0, true],
      ]);
    });

    it('a cancellation sent as a subscription at 0 first is a churn once the account.churned within the window confirms it', () => {
      const ledger = mrrMovements([start, level('zero', '2026-03-20T00:00:00.000Z', 0), churned('ch', '2026-03-20T01:00:00.000Z')]);
      expect(ledger.movements.map((m) => [m.eventId, m.from, m.to, m.churn])).toEqual([
        ['start', 0, 6700, false],
        ['zero', 6700, 0, true],
      ]);
      expect(ledger.reconciled).toEqual([{ eventId: 'ch', against: 'zero' }]);
      // Outside the window the drop stays a contraction, and the churn has nothing to take.
      expect(moves([start, level('zero', '2026-03-01T00:00:00.000Z', 0), churned('ch', '2026-03-20T01:00:00.000Z')])).toEqual([
        ['start', 0, 6700, false],
        ['zero', 6700, 0, false],
      ]);
    });

    it('a return after a churn is new business from 0', () => {
      expect(moves([start, churned('ch', '2026-03-20T00:00:00.000Z'), level('back', '2026-05-01T00:00:00.000Z', 5000)])).toEqual([
        ['start', 0, 6700, false],
        ['ch', 6700, 0, true],
        ['back', 0, 5000, false],
      ]);
    });
  });

  describe('order', () => {
    it('is event time, then event id: two levels at the same instant end on the larger id', () => {
      const same = '2026-03-10T00:00:00.000Z';
      expect(moves([start, level('b', same, 6000), level('a', same, 6400)])).toEqual([
        ['start', 0, 6700, false],
        ['a', 6700, 6400, false],
        ['b', 6400, 6000, false],
      ]);
    });

    it('compares instants, not texts: an offset or missing milliseconds sort by the instant they name', () => {
      expect(moves([level('late', '2026-03-10T01:00:00Z', 500), level('early', '2026-03-10T01:30:00+01:00', 400)])).toEqual([
        ['early', 0, 400, false],
        ['late', 400, 500, false],
      ]);
    });

    it('any arrival order of the same events gives the same movements (property)', () => {
      const day = Date.parse('2026-03-01T00:00:00.000Z');
      const entry = fc
        .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 60 * 24 }), fc.integer({ min: -500, max: 2000 }))
        .map(([kind, minutes, amount]) => ({ kind, at: new Date(day + minutes * 20 * 60_000).toISOString(), amount }));
      fc.assert(
        fc.property(fc.array(entry, { maxLength: 25 }), fc.infiniteStream(fc.nat()), (drawn, randoms) => {
          const revenue = drawn.map(({ kind, at, amount }, n): RevenueEntry => {
            const id = `e${n}`;
            if (kind === 0) return level(id, at, amount);
            if (kind === 1) return expanded(id, at, amount);
            if (kind === 2) return contracted(id, at, amount);
            return churned(id, at);
          });
          const shuffled = [...revenue];
          for (let k = shuffled.length - 1; k > 0; k -= 1) {
            const j = (randoms.next().value as number) % (k + 1);
            [shuffled[k], shuffled[j]] = [shuffled[j], shuffled[k]];
          }
          expect(mrrMovements(shuffled)).toEqual(mrrMovements(revenue));
        }),
        { numRuns: 300 },
      );
    });
  });

  it('rejects an unparseable time and a negative window', () => {
    expect(() => mrrMovements([level('x', 'yesterday', 1)])).toThrow(RangeError);
    expect(() => mrrMovements([], -1)).toThrow(/windowDays/);
  });
});

describe('revenueReadUntil', () => {
  it('is the period end plus the window: a level up to 7 days later can reconcile a delta inside the period', () => {
    expect(revenueReadUntil('2026-04-01T00:00:00.000Z')).toBe('2026-04-08T00:00:00.000Z');
    expect(revenueReadUntil('2026-04-01T00:00:00.000Z', 0)).toBe('2026-04-01T00:00:00.000Z');
  });
});
