/* eslint-disable no-console -- the command reports on stdout */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { defaultRuleSet } from '@bellwether/alerting-domain';
import { churnExamplesOf, churnOutcomesOf, medianChurnTime, replayHistory, telemetryEventsOf, trainChurnModel, type ChurnScores } from '@bellwether/backtest-domain';
import { defaultScorecard, isLearnedModelUsable } from '@bellwether/scoring-domain';
import { readHistoryFile } from './history-file';
import { parseTrainChurnModelArgs } from './train-churn-model.args';

/**
 * `npm run train-churn-model -- --history <file.ndjson>` (issue 18, section 3): replays the
 * history through the pure scoring and alerting domains (`replayHistory`, default scorecard and
 * rule set), takes the signals snapshot `--horizon-days` before each outcome (churned; renewed;
 * still a customer at the hold-out cut and at the history's end), fits the L2-regularised
 * logistic regression on the outcomes up to the cut (default: the median churn time), and prints
 * AUC and Brier score of the learned and the default model on both sides of the cut, and the
 * learned coefficients. Writes the model JSON (`LearnedChurnModel`) to `--out`.
 * Exit code 0 on success, 2 on bad options or a history it cannot train on.
 */
async function main(): Promise<number> {
  let args;
  try {
    args = parseTrainChurnModelArgs(process.argv.slice(2), new Date());
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
  const history = await readHistoryFile(args.history);
  const events = telemetryEventsOf(history);
  const started = Date.now();
  const replay = replayHistory(events, { scorecard: defaultScorecard, ruleSet: defaultRuleSet });
  console.log(`replayed ${replay.counts.events} events of ${replay.changesByAccount.size} accounts: ${replay.changes.length} score changes in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const cut = args.cut ?? medianChurnTime(churnOutcomesOf(events, []));
  if (cut === null || replay.watermark === null) {
    console.error('the history has no account.churned event: nothing to learn churn from');
    return 2;
  }
  const outcomes = churnOutcomesOf(events, [cut, replay.watermark]);
  const examples = churnExamplesOf(replay.changesByAccount, outcomes, args.horizonDays);
  let report;
  try {
    report = trainChurnModel(examples, { cutDate: cut, version: args.version, l2: args.l2, horizonDays: args.horizonDays, source: resolve(args.history) });
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
  const line = (label: string, scores: ChurnScores) =>
    `  ${label.padEnd(9)} ${String(scores.examples).padStart(5)} examples (${scores.churned} churned)  AUC ${scores.auc === null ? '—' : scores.auc.toFixed(3)}  Brier ${scores.brier === null ? '—' : scores.brier.toFixed(4)}`;
  console.log(`hold-out cut ${cut}, snapshot ${args.horizonDays} days before each outcome, L2 λ = ${args.l2}; Newton iterations ${report.iterations}${report.converged ? '' : ' (not converged)'}`);
  console.log('training (outcomes up to the cut):');
  console.log(line('learned', report.train.learned));
  console.log(line('default', report.train.default));
  console.log('hold-out (outcomes after the cut):');
  console.log(line('learned', report.holdOut.learned));
  console.log(line('default', report.holdOut.default));
  console.log('coefficients (logit per standard deviation of the feature; mean, sd):');
  console.log(`  ${'intercept'.padEnd(18)} ${report.model.intercept.toFixed(3).padStart(8)}`);
  for (const feature of report.model.features) {
    const scaling = report.model.standardisation[feature];
    console.log(`  ${feature.padEnd(18)} ${(report.model.coefficients[feature] ?? 0).toFixed(3).padStart(8)}   (${scaling?.mean.toFixed(3)}, ${scaling?.scale.toFixed(3)})`);
  }
  const usable = isLearnedModelUsable(report.model, args.minPerClass);
  console.log(
    usable
      ? `the model has at least ${args.minPerClass} examples per class: a scorecard carrying it scores churn risk with it`
      : `fewer than ${args.minPerClass} examples of a class (${report.model.trainedOn.churned} churned, ${report.model.trainedOn.retained} retained): scoring keeps the default until there are more`,
  );
  mkdirSync(dirname(resolve(args.out)), { recursive: true });
  writeFileSync(resolve(args.out), `${JSON.stringify(report.model, null, 1)}\n`);
  console.log(`model ${report.model.version} written to ${args.out}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
