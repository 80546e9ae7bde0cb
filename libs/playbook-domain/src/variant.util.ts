import { CONTROL_VARIANT_ID, type PlaybookDefinition } from './playbook.types';

/**
 * Picks a variant by weight from a number in [0, 1) that the caller derives deterministically
 * (e.g. `unitIntervalFromKey(`${playbookId}:${accountId}`)`), so the same account always lands in
 * the same arm. Variants own consecutive slices of [0, 1) in definition order, each as wide as
 * its share of the total weight; zero-weight variants are never picked. Returns `control` when
 * the playbook has no variants. Throws RangeError for a number outside [0, 1) or weights that do
 * not sum to more than 0 (a definition that `validatePlaybook` rejects).
 */
export function chooseVariant(definition: PlaybookDefinition, unitInterval: number): string {
  if (!(unitInterval >= 0 && unitInterval < 1)) throw new RangeError(`unitInterval must be in [0, 1), got ${unitInterval}`);
  const variants = definition.variants ?? [];
  if (variants.length === 0) return CONTROL_VARIANT_ID;
  const total = variants.reduce((sum, v) => sum + v.weight, 0);
  if (!(total > 0)) throw new RangeError(`playbook ${definition.id} v${definition.version}: variant weights must sum to more than 0`);
  const target = unitInterval * total;
  let upper = 0;
  let last: string | undefined;
  for (const variant of variants) {
    if (variant.weight <= 0) continue;
    upper += variant.weight;
    last = variant.id;
    if (target < upper) return variant.id;
  }
  // Floating-point rounding can leave `target` a hair above the final bound.
  return last ?? CONTROL_VARIANT_ID;
}

/**
 * A stable number in [0, 1) from a string (32-bit FNV-1a), for `chooseVariant`. Not
 * cryptographic; it only needs to spread keys evenly and never change.
 */
export function unitIntervalFromKey(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 0x1_0000_0000;
}
