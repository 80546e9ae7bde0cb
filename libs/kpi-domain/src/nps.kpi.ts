import { type Segment } from '@bellwether/contracts';
import { toMillis } from '@bellwether/playbook-domain';
import { SEGMENTS } from '@bellwether/contracts';
import { type KpiValue, type NpsResponseRecord } from './kpi.types';

export type NpsResponseCategory = 'promoter' | 'passive' | 'detractor';

/** promoter 9–10, passive 7–8, detractor 0–6. Throws RangeError for anything but an integer 0–10. */
export function classifyNpsScore(score: number): NpsResponseCategory {
  if (!(Number.isInteger(score) && score >= 0 && score <= 10)) throw new RangeError(`NPS score must be an integer 0–10, got ${score}`);
  if (score >= 9) return 'promoter';
  if (score >= 7) return 'passive';
  return 'detractor';
}

export interface NpsResult extends KpiValue {
  /** NPS in points, −100…100: 100 × (promoters − detractors) / n; `null` for no responses. */
  readonly value: number | null;
  readonly promoters: number;
  readonly passives: number;
  readonly detractors: number;
}

/** NPS = %promoters − %detractors over the given responses, each response counting once. */
export function netPromoterScore(responses: readonly NpsResponseRecord[]): NpsResult {
  const counts = { promoter: 0, passive: 0, detractor: 0 };
  for (const response of responses) counts[classifyNpsScore(response.score)] += 1;
  const n = responses.length;
  return { value: n === 0 ? null : (100 * (counts.promoter - counts.detractor)) / n, n, promoters: counts.promoter, passives: counts.passive, detractors: counts.detractor };
}

/** NPS of each segment, by the segment the account was in when it answered (every segment present). */
export function npsBySegment(responses: readonly NpsResponseRecord[]): Readonly<Record<Segment, NpsResult>> {
  const entries = SEGMENTS.map((segment) => [segment, netPromoterScore(responses.filter((response) => response.segment === segment))] as const);
  return Object.fromEntries(entries) as Record<Segment, NpsResult>;
}

/**
 * The latest response of each account (by `at`; on a tie, the later one in the input), so an
 * account that answers often weighs no more than one that answers once. Order of first appearance.
 */
export function latestResponsePerAccount(responses: readonly NpsResponseRecord[]): NpsResponseRecord[] {
  const latest = new Map<string, NpsResponseRecord>();
  for (const response of responses) {
    const seen = latest.get(response.accountId);
    if (seen === undefined || toMillis(response.at) >= toMillis(seen.at)) latest.set(response.accountId, response);
  }
  return [...latest.values()];
}
