import { accountEconomicsAttributes, accountEconomicsOf, ownershipAttributes, trustedOnlyAttributes, type JsonObject, type JsonValue } from '@bellwether/contracts';
import type { RequestProblem } from '@bellwether/platform';
import { hasScope, type Principal } from '@bellwether/auth';
import type { NativeEvent } from '@bellwether/ingestion-domain';

/** The event types whose properties scoring applies as account attributes, and where (a Map: event types are client text). */
const attributeCarriers: ReadonlyMap<string, 'properties' | 'traits'> = new Map([
  ['subscription.changed', 'properties'],
  ['account.updated', 'traits'],
]);

/**
 * A trusted source of ownership and economics (CAC, gross margin): a key with the
 * `accounts:write` scope (admin holds every scope).
 */
export function mayChangeOwnership(principal: Principal | undefined): boolean {
  return principal !== undefined && hasScope(principal, 'accounts:write');
}

export interface OwnershipFiltering {
  /** The events to publish: from an untrusted key, without ownership or economics attributes. */
  readonly events: readonly NativeEvent[];
  /** One warning per dropped attribute, naming the event (its position and id) and the field. */
  readonly ignored: readonly RequestProblem[];
}

/**
 * Drops the attributes only a trusted source may set (`trustedOnlyAttributes`: ownership — csmId,
 * team, tier: who sees an account — and economics — cacUsd, grossMarginPct: what the LTV/CAC KPIs
 * are computed from) from events of an untrusted key, keeping the rest of their attributes (plan,
 * seats, MRR…). Trusted sources are the admin API and keys with the `accounts:write` scope
 * (issues 13 and 18, docs/security.md); their events pass as they are. Pure. Only the events whose attributes scoring applies are looked at
 * (`subscription.changed` properties, `account.updated` traits); other events keep their
 * properties. `indexOf` maps an event's position to the index the client knows (none for Segment,
 * whose messages do not map one to one). A trusted key's events lose only economics that cannot be
 * applied (`withoutUnusableEconomics`), each named in `ignored` too.
 */
export function withoutUntrustedOwnership(events: readonly NativeEvent[], trusted: boolean, indexOf: (position: number) => number | undefined = (position) => position): OwnershipFiltering {
  if (trusted) return withoutUnusableEconomics(events, indexOf);
  return withoutAttributes(events, indexOf, (source) =>
    trustedOnlyAttributes
      .filter((name) => name in source)
      .map((name) => ({
        name,
        why: `${(ownershipAttributes as readonly string[]).includes(name) ? 'ownership (csmId, team, tier)' : 'account economics (cacUsd, grossMarginPct)'} may only be set by the admin API or a key with the accounts:write scope`,
      })),
  );
}

/** What a trusted economics value must be, per attribute (`accountEconomicsSchemas`). */
const economicsExpectations: Readonly<Record<(typeof accountEconomicsAttributes)[number], string>> = {
  cacUsd: 'a number ≥ 0 (USD), or null to clear it',
  grossMarginPct: 'a fraction in [0, 1] (0.8 = 80 %), or null to clear it',
};

/**
 * A trusted key's events, checked for the economics the KPI read model could not apply (issue 18:
 * "a margin of 80 was dropped downstream silently"): an `account.updated` trait `cacUsd` or
 * `grossMarginPct` whose value is not valid (`accountEconomicsOf`: a negative CAC, a margin of 80,
 * a string), and either attribute in `subscription.changed` properties, where economics are not
 * read (they are account traits: send them with `account.updated`, a Segment group/identify, or
 * `PATCH /v1/admin/accounts/{id}`). Each is removed from its event and named in a warning; the
 * event and its other attributes are accepted as they are. Pure.
 */
function withoutUnusableEconomics(events: readonly NativeEvent[], indexOf: (position: number) => number | undefined): OwnershipFiltering {
  return withoutAttributes(events, indexOf, (source, carrier) => {
    const usable = carrier === 'traits' ? accountEconomicsOf(source) : {};
    return accountEconomicsAttributes
      .filter((name) => Object.hasOwn(source, name) && !Object.hasOwn(usable, name))
      .map((name) => ({
        name,
        why:
          carrier === 'properties'
            ? `account economics are account traits, not subscription properties; send ${name} with account.updated (a Segment group or identify call) or PATCH /v1/admin/accounts/{id}`
            : `${name} must be ${economicsExpectations[name]}`,
      }));
  });
}

/**
 * The walk both filters share: for each event whose type carries account attributes
 * (`attributeCarriers`), the attributes `drop` names are removed from its properties or traits,
 * each reported as `{index?, path, message: "ignored on event <id>: <why>"}`. Events with nothing
 * to drop are kept as they are (the same object). Pure.
 */
function withoutAttributes(
  events: readonly NativeEvent[],
  indexOf: (position: number) => number | undefined,
  drop: (source: JsonObject, carrier: 'properties' | 'traits') => readonly { readonly name: string; readonly why: string }[],
): OwnershipFiltering {
  const ignored: RequestProblem[] = [];
  const filtered = events.map((event, position) => {
    const carrier = attributeCarriers.get(event.type);
    const properties = event.properties;
    if (!carrier || !properties) return event;
    const source = carrier === 'properties' ? properties : objectOf(properties['traits']);
    if (!source) return event;
    const dropped = drop(source, carrier);
    if (dropped.length === 0) return event;
    const index = indexOf(position);
    const prefix = carrier === 'properties' ? 'properties' : 'properties.traits';
    for (const { name, why } of dropped) {
      ignored.push({ ...(index !== undefined ? { index } : {}), path: `${prefix}.${name}`, message: `ignored on event ${event.id}: ${why}` });
    }
    const kept = withoutKeys(source, dropped.map(({ name }) => name));
    return { ...event, properties: carrier === 'properties' ? kept : { ...properties, traits: kept } };
  });
  return { events: filtered, ignored };
}

function objectOf(value: JsonValue | undefined): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
}

function withoutKeys(source: JsonObject, names: readonly string[]): JsonObject {
  return Object.fromEntries(Object.entries(source).filter(([name]) => !names.includes(name)));
}
