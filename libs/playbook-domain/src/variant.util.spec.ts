import { type PlaybookDefinition } from './playbook.types';
import { chooseVariant, unitIntervalFromKey } from './variant.util';

const base: PlaybookDefinition = {
  id: 'p',
  version: 1,
  name: 'P',
  trigger: { kind: 'alert_rule', ruleIds: ['a'] },
  steps: [{ kind: 'end', id: 'e' }],
  exitCriteria: [],
};
const withVariants = (...weights: [string, number][]): PlaybookDefinition => ({ ...base, variants: weights.map(([id, weight]) => ({ id, weight })) });

describe('chooseVariant', () => {
  it("returns 'control' when the playbook has no variants", () => {
    expect(chooseVariant(base, 0.7)).toBe('control');
    expect(chooseVariant({ ...base, variants: [] }, 0.7)).toBe('control');
  });

  it('splits 1:1 at one half', () => {
    const definition = withVariants(['a', 1], ['b', 1]);
    expect(chooseVariant(definition, 0.49)).toBe('a');
    expect(chooseVariant(definition, 0.51)).toBe('b');
    expect(chooseVariant(definition, 0)).toBe('a');
    expect(chooseVariant(definition, 0.5)).toBe('b');
    expect(chooseVariant(definition, 0.999999)).toBe('b');
  });

  it('follows uneven weights and skips zero weights', () => {
    const definition = withVariants(['a', 3], ['off', 0], ['b', 1]);
    expect(chooseVariant(definition, 0.74)).toBe('a');
    expect(chooseVariant(definition, 0.75)).toBe('b');
    expect(chooseVariant(withVariants(['off', 0], ['on', 2]), 0)).toBe('on');
  });

  it('is deterministic and roughly proportional over many keys', () => {
    const definition = withVariants(['a', 1], ['b', 3]);
    const picks = Array.from({ length: 4000 }, (_, i) => chooseVariant(definition, unitIntervalFromKey(`p:account-${i}`)));
    const share = picks.filter((v) => v === 'b').length / picks.length;
    expect(share).toBeGreaterThan(0.7);
    expect(share).toBeLessThan(0.8);
    expect(chooseVariant(definition, unitIntervalFromKey('p:account-7'))).toBe(picks[7]);
  });

  it('rejects numbers outside [0, 1) and weightless variants', () => {
    const definition = withVariants(['a', 1]);
    expect(() => chooseVariant(definition, 1)).toThrow(RangeError);
    expect(() => chooseVariant(definition, -0.1)).toThrow(RangeError);
    expect(() => chooseVariant(definition, Number.NaN)).toThrow(RangeError);
    expect(() => chooseVariant(withVariants(['a', 0]), 0.2)).toThrow(RangeError);
  });
});

describe('unitIntervalFromKey', () => {
  it('maps strings to stable numbers in [0, 1)', () => {
    const values = ['', 'a', 'run-1', 'x'.repeat(1000)].map(unitIntervalFromKey);
    for (const value of values) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
    expect(unitIntervalFromKey('run-1')).toBe(unitIntervalFromKey('run-1'));
    expect(unitIntervalFromKey('run-1')).not.toBe(unitIntervalFromKey('run-2'));
  });
});
