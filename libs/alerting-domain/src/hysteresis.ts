import type { AlertRuleConfig } from './rule-config';
import type { RuleOutcome } from './rule.types';
import { HOUR_MS, instantMs } from './time.util';

/**
 * What hysteresis remembers per (account, rule) between evaluations, in event time (ISO-8601):
 * - `firingSince`: the first firing evaluation of a run of firing ones while no alert is active
 *   (Alertmanager's "pending since");
 * - `clearSince`: the first clear evaluation of a run of clear ones while an alert is active.
 * At most one is set; the state is dropped (null) when neither is.
 */
export interface HysteresisState {
  readonly firingSince?: string;
  readonly clearSince?: string;
}

/**
 * The verdict of hysteresis on one rule outcome:
 * - `pass`: hand the outcome to the lifecycle (`decide`) as it is;
 * - `pending`: firing, but not yet for `holdsForHours`; no alert opens yet;
 * - `clearing`: clear, but not yet for `clearForHours`; the active alert stays.
 * `next` is the state to store for the (account, rule), null to delete it.
 */
export type HysteresisResult =
  | { readonly verdict: 'pass'; readonly outcome: RuleOutcome; readonly next: HysteresisState | null }
  | { readonly verdict: 'pending' | 'clearing'; readonly next: HysteresisState };

/**
 * Holds-for and clear-for on one rule outcome, in event time only (`now` is the evaluation's
 * event time; the wall clock never enters):
 * - firing, no active alert: passes once the condition has been firing at evaluations spanning
 *   `holdsForHours` (0 or absent: at once, remembering nothing); until then `pending`.
 *   `firingSince` is kept after it passes, so a rule held back by its cool-down or inhibition
 *   opens as soon as that ends.
 * - clear, no active alert: passes (the lifecycle does nothing) and forgets `firingSince`: a clear
 *   evaluation in between starts the hold over.
 * - firing, active alert: passes (a re-trigger) and forgets `clearSince`.
 * - clear, active alert: passes once the condition has been clear at evaluations spanning
 *   `clearForHours` (0 or absent: at once); until then `clearing`.
 * An unparsable instant counts as the hold having run (fail open to the rule's own behaviour).
 */
export function applyHysteresis(outcome: RuleOutcome, rule: AlertRuleConfig, active: boolean, previous: HysteresisState | null, now: string): HysteresisResult {
  if (outcome.state === 'firing') {
    if (active || (rule.holdsForHours ?? 0) <= 0) return { verdict: 'pass', outcome, next: null };
    const firingSince = previous?.firingSince ?? now;
    if (held(firingSince, now, rule.holdsForHours ?? 0)) return { verdict: 'pass', outcome, next: { firingSince } };
    return { verdict: 'pending', next: { firingSince } };
  }
  if (!active) return { verdict: 'pass', outcome, next: null };
  const clearSince = previous?.clearSince ?? now;
  if (held(clearSince, now, rule.clearForHours ?? 0)) return { verdict: 'pass', outcome, next: null };
  return { verdict: 'clearing', next: { clearSince } };
}

function held(since: string, now: string, hours: number): boolean {
  if (hours <= 0) return true;
  const from = instantMs(since);
  const to = instantMs(now);
  return from === null || to === null || to - from >= hours * HOUR_MS;
}
