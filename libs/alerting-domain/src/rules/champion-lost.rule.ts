import type { AccountSignals } from '@bellwether/contracts';
import { atLeast, formatChange, formatNumber, formatPercent, param } from './evidence.util';
import { signalRule } from './signal-rule.util';

/**
 * Risk: a lost champion. The account's most active user of the last 13 weeks (`signals.champion`),
 * with at least `minShare` (default 25%) of its activity, has not been seen for `minDaysUnseen`
 * (default 21: longer than most holidays) while at least `minOthersActive` other users were active
 * in 14 days (an account where nobody is left is silent, which other rules say), and the account's
 * weekly activity since they left kept at most `maxActivityKept` (default 85%) of its level before.
 * A user leaving a large account (small share) or a handover that keeps usage up raises nothing.
 * It fires too when a key feature's owner (`signals.keyFeatureOwnersLost`: ≥ 50% of its uses, and
 * its use halved since) has been away `minDaysUnseen`, one evidence line per feature.
 * Without the signal (older changes, less than 6 weeks of per-user history) the rule has no opinion.
 */
export const championLostRule = signalRule('champion_lost', ['minShare', 'minDaysUnseen', 'minOthersActive', 'maxActivityKept'], (signals, _change, config) => {
  const top = signals.champion;
  const owners = (signals.keyFeatureOwnersLost ?? []).filter((loss) => loss.daysSinceSeen >= param(config.params, 'minDaysUnseen', 21));
  if (!top) {
    if (owners.length === 0) return null;
    return { state: 'firing', evidence: owners.map(ownerLine) };
  }
  const minShare = param(config.params, 'minShare', 0.25);
  const minDays = param(config.params, 'minDaysUnseen', 21);
  const minOthers = param(config.params, 'minOthersActive', 1);
  const maxKept = param(config.params, 'maxActivityKept', 0.85);
  const kept = top.weeklySince !== null && top.weeklyBefore > 0 ? top.weeklySince / top.weeklyBefore : null;
  const lines = [
    `top user ${top.userId} (${formatPercent(top.share)} of activity over 13 weeks) not seen for ${top.daysSinceSeen} day${top.daysSinceSeen === 1 ? '' : 's'} (last ${top.lastSeenAt}); ` +
      `${top.othersActive14} other users active in 14 days`,
  ];
  if (kept !== null && top.weeklySince !== null) {
    lines.push(
      `account activity since: ${formatNumber(top.weeklySince)} events a week vs ${formatNumber(top.weeklyBefore)} in the 4 weeks before (${formatChange(kept)}; ` +
        `alert at ${formatChange(maxKept)} or lower)`,
    );
  }
  const lost = atLeast(top.share, minShare) && top.daysSinceSeen >= minDays && top.othersActive14 >= minOthers && kept !== null && atLeast(maxKept, kept);
  return { state: lost || owners.length > 0 ? 'firing' : 'clear', evidence: [...lines, ...owners.map(ownerLine)] };
});

function ownerLine(loss: NonNullable<AccountSignals['keyFeatureOwnersLost']>[number]): string {
  const kept = loss.weeklyUsesBefore > 0 ? loss.weeklyUsesSince / loss.weeklyUsesBefore : 0;
  return (
    `key feature ${loss.feature}: its top user ${loss.userId} (${formatPercent(loss.share)} of its use) not seen for ${loss.daysSinceSeen} days (last ${loss.lastSeenAt}); ` +
    `its use ${formatNumber(loss.weeklyUsesSince)} a week since vs ${formatNumber(loss.weeklyUsesBefore)} before (${formatChange(kept)})`
  );
}
