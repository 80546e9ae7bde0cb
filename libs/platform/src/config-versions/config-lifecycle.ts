/**
 * The lifecycle of a versioned configuration (a scorecard, a rule set, a playbook; issue 18 §1),
 * as pure rules over what is stored. A version is created as a `draft` with a body that never
 * changes after; activating it makes it `active` and retires the one active before (at most one
 * version of a kind is active); a rollback re-activates the version that was active before the
 * current one. Activations form a stack: an activation pushes its version, a rollback pops the
 * current one, so two rollbacks after A → B → C go back to B, then A.
 */

export type ConfigVersionStatus = 'draft' | 'active' | 'retired';

/** One stored version of a configuration `kind`. Times are ISO-8601. */
export interface ConfigVersion {
  readonly kind: string;
  /** The version id: the body's own version string, unique per kind. */
  readonly version: string;
  /** The configuration as it was posted; never changed after creation. */
  readonly body: unknown;
  readonly status: ConfigVersionStatus;
  /** The API key id that created it. */
  readonly createdBy: string;
  readonly createdAt: string;
  /** When it was last activated (null: never). */
  readonly activatedAt: string | null;
  /** The event time from which its last activation applies (null: never activated). */
  readonly effectiveFrom: string | null;
}

/** One activation or rollback of a kind, oldest first in the history. */
export interface ConfigActivation {
  readonly id: number;
  readonly kind: string;
  /** The version it made active (for a rollback: the version re-activated). */
  readonly version: string;
  readonly action: 'activate' | 'rollback';
  readonly activatedBy: string;
  readonly activatedAt: string;
  /** Event time (ISO-8601) from which it applies: the pipeline watermark when it was made. */
  readonly effectiveFrom: string;
}

/** What an activation or rollback changes: the version to make active, the one to retire (if any). */
export type ActivationPlan = { readonly ok: true; readonly activate: string; readonly retire: string | null } | { readonly ok: false; readonly refused: 'not-found' | 'already-active' | 'nothing-to-roll-back' };

/** The versions in force, bottom first, as the history of activations and rollbacks left them. */
export function activationStack(history: readonly Pick<ConfigActivation, 'version' | 'action'>[]): string[] {
  const stack: string[] = [];
  for (const entry of history) {
    if (entry.action === 'rollback') {
      stack.pop();
      // The rollback's own version is the one it re-activated: the new top, unless the stack was rewritten.
      if (stack[stack.length - 1] !== entry.version) stack.push(entry.version);
    } else stack.push(entry.version);
  }
  return stack;
}

/** Activating `version` among `versions`: refused when there is none such, or it is active already. */
export function planActivation(versions: readonly Pick<ConfigVersion, 'version' | 'status'>[], version: string): ActivationPlan {
  const target = versions.find((candidate) => candidate.version === version);
  if (!target) return { ok: false, refused: 'not-found' };
  if (target.status === 'active') return { ok: false, refused: 'already-active' };
  const active = versions.find((candidate) => candidate.status === 'active');
  return { ok: true, activate: version, retire: active?.version ?? null };
}

/** A rollback: the version active before the current one (`activationStack`), else refused. */
export function planRollback(history: readonly Pick<ConfigActivation, 'version' | 'action'>[]): ActivationPlan {
  const stack = activationStack(history);
  if (stack.length < 2) return { ok: false, refused: 'nothing-to-roll-back' };
  return { ok: true, activate: stack[stack.length - 2] as string, retire: stack[stack.length - 1] as string };
}
