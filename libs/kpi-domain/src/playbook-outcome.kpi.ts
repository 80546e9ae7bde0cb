import { type RunOutcome } from '@bellwether/contracts';
import { RUN_OUTCOMES } from '@bellwether/playbook-domain';
import { type RunRecord } from './kpi.types';
import { compareStrings, groupBy, ratio } from './kpi-math.util';

/** Outcomes that count as a success of a playbook. */
export const SUCCESS_OUTCOMES = ['recovered', 'expanded'] as const satisfies readonly RunOutcome[];

/** Outcomes of one playbook variant (A/B arm). */
export interface VariantOutcome {
  readonly playbookId: string;
  readonly variantId: string;
  /** Runs of this variant. */
  readonly n: number;
  /** Runs still going (`outcome` null). */
  readonly open: number;
  /** Runs with an outcome: the denominator of every rate. */
  readonly ended: number;
  readonly outcomes: Readonly<Record<RunOutcome, number>>;
  /** Each outcome's share of the ended runs; `null` when none ended. */
  readonly rates: Readonly<Record<RunOutcome, number | null>>;
  /** Ended runs with a success outcome (recovered or expanded). */
  readonly successes: number;
  /** successes / ended; `null` when none ended. */
  readonly successRate: number | null;
}

/**
 * Outcomes per playbookId × variantId, sorted by playbook then variant. Rates are over ended
 * runs only (an open run has no outcome yet); `failed` runs (parked by an error) count as ended
 * and not successful, since the playbook did not deliver for that account.
 */
export function playbookOutcomesByVariant(runs: readonly RunRecord[]): VariantOutcome[] {
  const groups = [...groupBy(runs, (run) => `${run.playbookId}\u0000${run.variantId}`).values()];
  return groups
    .map((members): VariantOutcome => {
      const outcomes = Object.fromEntries(RUN_OUTCOMES.map((outcome) => [outcome, members.filter((run) => run.outcome === outcome).length])) as Record<RunOutcome, number>;
      const ended = members.filter((run) => run.outcome !== null).length;
      const rates = Object.fromEntries(RUN_OUTCOMES.map((outcome) => [outcome, ratio(outcomes[outcome], ended)])) as Record<RunOutcome, number | null>;
      const successes = SUCCESS_OUTCOMES.reduce((total, outcome) => total + outcomes[outcome], 0);
      return { playbookId: members[0].playbookId, variantId: members[0].variantId, n: members.length, open: members.length - ended, ended, outcomes, rates, successes, successRate: ratio(successes, ended) };
    })
    .sort((a, b) => compareStrings(a.playbookId, b.playbookId) || compareStrings(a.variantId, b.variantId));
}
