import { toTelemetryEvent, type NativeEvent } from '@bellwether/ingestion-domain';
import { mayChangeOwnership, withoutUntrustedOwnership } from './ownership-trust';

const at = '2026-03-01T10:00:00.000Z';
const group: NativeEvent = { id: 'g1', type: 'account.updated', accountId: 'acme', timestamp: at, properties: { traits: { csmId: 'csm-mallory', team: 'apac', plan: 'pro', seats: 9 } } };
const subscription: NativeEvent = { id: 's1', type: 'subscription.changed', accountId: 'acme', timestamp: at, properties: { plan: 'pro', mrr: 900, tier: 'enterprise' } };
const usage: NativeEvent = { id: 'f1', type: 'feature.used', accountId: 'acme', timestamp: at, properties: { feature: 'reports', team: 'growth' } };

describe('withoutUntrustedOwnership', () => {
  it('drops csmId, team and tier from an untrusted key’s attribute events, keeps the other traits, and names each dropped field', () => {
    const result = withoutUntrustedOwnership([usage, group, subscription], false);
    expect(result.events).toEqual([usage, { ...group, properties: { traits: { plan: 'pro', seats: 9 } } }, { ...subscription, properties: { plan: 'pro', mrr: 900 } }]);
    expect(result.ignored.map((problem) => [problem.index, problem.path])).toEqual([
      [1, 'properties.traits.csmId'],
      [1, 'properties.traits.team'],
      [2, 'properties.tier'],
    ]);
  });

  it('drops cacUsd and grossMarginPct from an untrusted key’s attribute events too, naming them as account economics (issue 18)', () => {
    const money: NativeEvent = { id: 'm1', type: 'account.updated', accountId: 'acme', timestamp: at, properties: { traits: { cacUsd: 1, grossMarginPct: 0.1, plan: 'pro' } } };
    const billing: NativeEvent = { id: 'm2', type: 'subscription.changed', accountId: 'acme', timestamp: at, properties: { mrr: 900, cacUsd: 1 } };
    const result = withoutUntrustedOwnership([money, billing], false);
    expect(result.events).toEqual([{ ...money, properties: { traits: { plan: 'pro' } } }, { ...billing, properties: { mrr: 900 } }]);
    expect(result.ignored.map((problem) => [problem.index, problem.path])).toEqual([
      [0, 'properties.traits.cacUsd'],
      [0, 'properties.traits.grossMarginPct'],
      [1, 'properties.cacUsd'],
    ]);
    expect(result.ignored[0]?.message).toContain('account economics (cacUsd, grossMarginPct)');
    expect(withoutUntrustedOwnership([money], true).events).toEqual([money]);
  });

  it('from a trusted key drops only economics that cannot be applied, naming each: an invalid value in traits, either attribute as subscription properties (issue 18)', () => {
    const percent: NativeEvent = { id: 'e1', type: 'account.updated', accountId: 'acme', timestamp: at, properties: { traits: { grossMarginPct: 80, cacUsd: 1200, csmId: 'csm-ana' } } };
    const negative: NativeEvent = { id: 'e2', type: 'account.updated', accountId: 'acme', timestamp: at, properties: { traits: { cacUsd: -5, grossMarginPct: null } } };
    const text: NativeEvent = { id: 'e3', type: 'account.updated', accountId: 'acme', timestamp: at, properties: { traits: { cacUsd: '1200' } } };
    const billing: NativeEvent = { id: 'e4', type: 'subscription.changed', accountId: 'acme', timestamp: at, properties: { mrr: 900, grossMarginPct: 0.7 } };
    const result = withoutUntrustedOwnership([percent, negative, text, billing, group], true);
    expect(result.events).toEqual([
      { ...percent, properties: { traits: { cacUsd: 1200, csmId: 'csm-ana' } } },
      { ...negative, properties: { traits: { grossMarginPct: null } } },
      { ...text, properties: { traits: {} } },
      { ...billing, properties: { mrr: 900 } },
      group,
    ]);
    expect(result.ignored.map((problem) => [problem.index, problem.path])).toEqual([
      [0, 'properties.traits.grossMarginPct'],
      [1, 'properties.traits.cacUsd'],
      [2, 'properties.traits.cacUsd'],
      [3, 'properties.grossMarginPct'],
    ]);
    expect(result.ignored[0]?.message).toBe('ignored on event e1: grossMarginPct must be a fraction in [0, 1] (0.8 = 80 %), or null to clear it');
    expect(result.ignored[3]?.message).toContain('account economics are account traits, not subscription properties');
  });

  it('passes a trusted key’s events unchanged', () => {
    expect(withoutUntrustedOwnership([group, subscription], true)).toEqual({ events: [group, subscription], ignored: [] });
  });

  it('leaves the index out when positions do not map to what the client sent (Segment)', () => {
    expect(withoutUntrustedOwnership([group], false, () => undefined).ignored[0]).not.toHaveProperty('index');
  });

  // Event types are client text ("constructor" matches the type pattern): `attributeCarriers[type]`
  // found an inherited member for these, so such an event's `properties.traits` lost its csmId,
  // team and tier with a warning, though scoring applies no attributes from it.
  it.each(['__proto__', 'constructor', 'hasOwnProperty', 'toString'])('leaves an event of type %s as it is, as any type that carries no attributes', (type) => {
    const custom: NativeEvent = { id: 'c1', type, accountId: 'acme', timestamp: at, properties: { traits: { csmId: 'csm-1', team: 'apac' } } };
    expect(withoutUntrustedOwnership([custom], false)).toEqual({ events: [custom], ignored: [] });
  });
});

describe('mayChangeOwnership', () => {
  const key = (scopes: ('ingest' | 'accounts:write' | 'admin' | 'csm')[]) => ({ keyId: 'k', scopes, csmId: null, team: null });
  it.each([
    [['ingest'], false],
    [['ingest', 'csm'], false],
    [['ingest', 'accounts:write'], true],
    [['admin'], true],
  ] as const)('%j → %s', (scopes, trusted) => {
    expect(mayChangeOwnership(key([...scopes]))).toBe(trusted);
  });
});

describe('toTelemetryEvent', () => {
  it('marks trustedAttributes only when ingestion says the source is trusted; a client property of that name stays a property', () => {
    const forged: NativeEvent = { ...group, properties: { trustedAttributes: true, traits: { csmId: 'csm-mallory' } } };
    expect(toTelemetryEvent(forged, at, 'native')).not.toHaveProperty('trustedAttributes');
    expect(toTelemetryEvent(group, at, 'native', true)).toMatchObject({ trustedAttributes: true });
  });
});
