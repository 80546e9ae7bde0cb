import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { AUC_AHEAD_DAYS, type AucFigures, type BacktestFigures, type OpeningFigures } from '@bellwether/testing';
import type { MachineFacts } from '../chaos/chaos-report';
import type { IncidentSource } from './backtest-readers';
import type { BacktestConfig } from './backtest.config';

/** What the run itself measured, besides the alerts. */
export interface RunFacts {
  readonly startedAt: string;
  readonly historyPath: string;
  readonly events: number;
  /** Whether generator labels (archetypes) came with the history. */
  readonly labelled: boolean;
  readonly incidentSource: IncidentSource;
  /** Writing (synthetic) and reading the history. */
  readonly prepareMs: number;
  readonly postMs: number;
  readonly requests: number;
  readonly retries: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly drainMs: number;
  readonly totalMs: number;
  readonly scoreHistoryRows: number;
  /** Records on each dead-letter topic of the run. */
  readonly deadLetters: Readonly<Record<string, number>>;
  readonly machine: MachineFacts;
}

/** A section: issue 14's `replay:` sections are kept as they are; new ones are `backtest:`. */
const SECTION = /<!-- (replay|backtest):([a-z0-9-]+):start -->\n[\s\S]*?<!-- \1:\2:end -->\n?/g;

/**
 * Writes this run's section of docs/signal-quality.md (between `<!-- backtest:<label>:start/end -->`
 * markers), replacing an earlier section of the same label and keeping every other one, under a
 * freshly written introduction.
 */
export function writeSignalQualityReport(path: string, config: BacktestConfig, figures: BacktestFigures, facts: RunFacts): void {
  const sections = new Map<string, string>();
  if (existsSync(path)) for (const match of readFileSync(path, 'utf8').matchAll(SECTION)) sections.set(`${match[1]}:${match[2]}`, match[0].trimEnd());
  sections.set(`backtest:${config.label}`, renderSection(config, figures, facts));
  writeFileSync(path, `${introduction()}\n${[...sections.values()].join('\n\n')}\n`);
}
function introduction(): string {
  return `# Signal quality

How good Bellwether's alerts and incidents are, measured against what really happened to each
account. \`npm run backtest\` (scripts/backtest/) replays an event history through the real stack
(the four services as processes, the real broker, Postgres and Redis, \`CLOCK_MODE=event\`, in a
Kafka namespace and database of its own) and scores what comes out against the outcomes found in
the history itself: \`account.churned\`, \`account.renewed\`, \`account.expanded\`. So the same run
works on a customer's own export. Each run writes its own section (\`BACKTEST_LABEL\`) and keeps the
others; the \`before\`, \`after\` and \`reading\` sections further down are issue 14's \`npm run replay\`
(the tool the backtest replaced), with their own definitions (at the end of this introduction).

## The history file

NDJSON, one event per line, in **arrival order** (the order Bellwether should receive them: a
bulk-delivered event comes after events with later timestamps), each the native \`POST /v1/events\`
shape a CS ops team can export from its warehouse or CDP:

\`\`\`
{"id":"e-1","type":"account.updated","accountId":"acme","timestamp":"2026-05-01T00:01:00.000Z","properties":{"traits":{"csmId":"csm-7"}}}
{"id":"e-2","type":"session.started","accountId":"acme","userId":"u1","timestamp":"2026-05-01T09:12:00.000Z","properties":{}}
{"arrivedAt":"2026-05-02T03:00:00.000Z","event":{"id":"e-3","type":"feature.used","accountId":"acme","userId":"u1","timestamp":"2026-05-01T09:20:00.000Z","properties":{"feature":"reports"}}}
\`\`\`

A line may wrap its event as \`{"arrivedAt", "event"}\` (arrivedAt is informational; the line
order is what counts). A missing \`id\` becomes \`line-<n>\`. Owners come from \`account.updated\`
(\`traits.csmId\`); outcomes from \`account.churned\`, \`account.renewed\`, \`account.expanded\`; an
account is back after a churn with a new \`subscription.changed\` or an \`account.renewed\`.
\`BACKTEST_FILE=<path> npm run backtest\` replays a file. Without it, the run first writes the
labelled synthetic history (seeded) to reports/backtest/history-seed-<seed>.ndjson, with the
generator's labels next to it (\`….labels.json\`, accountId → archetype; used only to split the
figures by archetype, never as outcomes).

## The synthetic history

\`generateCustomerBase\` (libs/testing/src/customer-base.ts) with \`backtestArchetypeMix\`, seeded and
pure: N accounts over D days, ending 5 days before the anchor day, owned by CSMs of about 50
accounts each. Every account starts with its contract and owner; staying accounts renew
(\`account.renewed\`) when their date falls in the window (40 % of them). All accounts are quiet on
weekends and public holidays.

| archetype | what it does | outcome in the history |
| --- | --- | --- |
| healthy (steady) | steady use, weekday/weekend rhythm, holidays, a ticket now and then | stays (may renew) |
| late_reporter | as healthy, but its product telemetry arrives in one bulk a day, 1–40 h late | stays |
| expanding (growing) | use grows into every seat, pricing pages, gated features, usage near the limit | \`account.expanded\` |
| declining_churn | use fades over 1–5 weeks, more tickets | \`account.churned\` |
| slow_decline | use slides over 60–90 days (fewer users and features), neutral tickets, no NPS | \`account.churned\` after the slide |
| silent_churn (going silent) | use stops from one day to the next | \`account.churned\` 10–21 days later |
| stalled_onboarding | new account (contract starts on its first day), a few users try it, progress stops after 10–20 days | 70 % \`account.churned\` 45–80 days later |
| noisy_support | many tickets (a quarter of the days), some negative, steady use | stays (may renew) |
| payment_failure (billing trouble) | \`billing.payment_failed\` (and a retry), \`payment_succeeded\` 3–10 days later | stays |
| nps_detractor | slightly less use, a few tickets, an NPS of 1–5 | stays |
| lost_champion | its most active user (on every working day, 4× the actions) leaves; the others drift away | \`account.churned\` 40–70 days later |
| seat_contraction | seats cut to 50–65 % (\`subscription.changed\`), the users beyond them leave, then steady use of ~75 % of the new seats | stays (must not get \`seat_limit_near\`) |
| reactivated | goes silent and churns, then a new subscription (starting that day) 2–5 weeks later and steady use | \`account.churned\`, then back (must not restart onboarding) |
| mid_contract | history begins mid-contract: contract start 400 days before the first event, which is an \`account.updated\` before any usage | stays |

## Definitions

All times are event times. An **opening** is an alert (one rule's episode, \`alerting.alerts\`) or an
**incident** (one per account and category while its rules fire, \`alerting.incidents\`; on a build
without that table the backtest groups overlapping alert episodes per account and category itself,
and the section says so). Per rule = alerts; per incident = incidents.

- **Flap**: resolved less than one day after it opened.
- **Precision** (risk): the share of openings whose account churns within 90 days after the
  opening; (expansion): expands within 90 days. **Base rate**: the same question asked of every
  live account-day (midnight UTC, from the account's first event while it is a customer); **lift** =
  precision / base rate.
- **Recall**: the share of churns (\`account.churned\`) with a risk incident that did not flap,
  opened between 90 and 14 days before the churn (the earliest such incident counts). **Lead time**:
  churn − that incident's opening, median over the warned churns.
- **Per account-quarter**: openings / (live account-days / 91.25); live = from the first event,
  churned time left out. **Quiet accounts**: no churn, no payment failure, no NPS ≤ 6 in the history.
  With labels, also per archetype (the target row uses \`healthy\`).
- **Queue load**: new incidents per CSM-week; an incident goes to its csmId or its account's
  (\`account.updated\`), into the 7-day week of its opening; every CSM counts for every week.
- **AUC of churn risk N days ahead** (N = ${AUC_AHEAD_DAYS} unless \`BACKTEST_AUC_DAYS\`): one sample per live
  account-day whose N-day window ends inside the history: the churn risk published as of the day's
  end (\`scoring.score_history\`, carried forward), positive when the account churns within N days
  after it. Ties count one half (Mann–Whitney). Overall; with labels per churning archetype (its
  accounts plus every account that never churns).
- **After churn**: openings while the account is churned (after \`account.churned\`, before it is back).
- **Expansion while at risk**: expansion openings while a risk incident of the account is open.
- **Growers flagged**: accounts with \`account.expanded\` that had an expansion incident within the
  90 days before their first expansion.

## Running it

\`npm run backtest\` builds a private copy of the tree into reports/backtest/build, drops the
service schemas of its database (\`BACKTEST_DB\`, default \`bellwether_backtest\`; the name must
contain "backtest") and flushes its Redis db (\`BACKTEST_REDIS_DB\`, default 5), runs the services on
\`BACKTEST_BASE_PORT\` (5400)…+3 in their own Kafka namespace, replays, writes its section here,
and deletes its topics, processes and build, also on failure. Synthetic size: \`BACKTEST_ACCOUNTS\`
(300), \`BACKTEST_DAYS\` (180), \`BACKTEST_EVENTS_PER_ACTIVE_USER\` (2), \`BACKTEST_SEATS\` (4-12),
\`BACKTEST_ACCOUNTS_PER_CSM\` (50), \`BACKTEST_SEED\` (15); \`BACKTEST_ANCHOR\` (today) fixes the days.
The run's alerts and incidents are kept in reports/backtest/result-<label>.json.

Issue 14's sections (\`replay:\`) used the generator's labels as truth: a flap rate per episode,
risk alerts per healthy account-quarter (healthy, late_reporter, expanding; also after a 14-day
warm-up), precision as the share of risk alerts whose account churned within 90 days, and
churners warned by a risk alert after their trouble began.
`;
}

function renderSection(config: BacktestConfig, figures: BacktestFigures, facts: RunFacts): string {
  const count = (n: number) => n.toLocaleString('en-US');
  const percent = (rate: number) => `${(rate * 100).toFixed(1)} %`;
  const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
  const verdict = (pass: boolean | null) => (pass === null ? 'n/a' : pass ? 'pass' : 'fail');
  const aucText = (auc: AucFigures | undefined) => (auc?.auc == null ? '–' : `${auc.auc.toFixed(3)} (${count(auc.accountDays)} account-days, ${count(auc.positives)} positive)`);
  const riskIncidents = figures.byIncidentCategory.find((row) => row.category === 'risk');
  const recall = figures.recallIncidents;
  const steady = facts.labelled ? figures.riskIncidentsPerAccountQuarter.byArchetype['healthy'] : figures.riskIncidentsPerAccountQuarter.quiet;
  const aucSubsets = facts.labelled ? (['slow_decline', 'lost_champion'] as const).map((name) => figures.auc.byArchetype[name]) : [figures.auc.overall];
  const aucValues = aucSubsets.map((auc) => auc?.auc ?? null);
  const lift = riskIncidents?.precision?.lift ?? null;
  const deadLetters = Object.entries(facts.deadLetters).filter(([, n]) => n > 0);
  const precisionText = (row: OpeningFigures) =>
    row.precision === null ? '–' : `${percent(row.precision.precision)} vs ${percent(row.precision.baseRate)} (${row.precision.lift === null ? '–' : `${row.precision.lift}×`})`;
  const openingRow = (row: OpeningFigures) =>
    `| ${row.category} | ${row.rule} | ${count(row.flaps.opened)} | ${row.perAccountQuarter.rate} | ${count(row.flaps.flaps)} (${percent(row.flaps.rate)}) | ${precisionText(row)} | ${count(row.afterChurn.opened)} | ${count(row.stillOpen)} |`;
  const lines = [
    `<!-- backtest:${config.label}:start -->`,
    `## ${config.label} — ${facts.startedAt.slice(0, 10)}, commit ${config.gitCommit.slice(0, 12)}`,
    '',
    `\`${config.command}\`, run ${facts.startedAt.replace('T', ' ').slice(0, 16)} UTC from commit \`${config.gitCommit}\`, on ${facts.machine.cores} cores (${facts.machine.cpuModel}), ${facts.machine.memoryGiB} GiB, ${facts.machine.kafka}, ${facts.machine.postgres}, ${facts.machine.redis}, Node ${facts.machine.node}.`,
    '',
    `- History: ${config.historyFile ? `\`${config.historyFile}\`` : `synthetic, seed ${config.synthetic.seed}: ${config.synthetic.accounts} accounts × ${config.synthetic.days} days, ${config.synthetic.eventsPerActiveUser} events per active user, seats ${config.synthetic.seats.join('–')}, ${config.synthetic.accountsPerCsm} accounts per CSM`}; ${count(facts.events)} events over ${figures.days} days, ${count(figures.accounts)} accounts; outcomes in it: ${count(figures.churns)} churns, ${count(figures.renewals)} renewals, ${count(figures.expansions)} expansions.`,
    `- Incidents: ${facts.incidentSource === 'alerting.incidents' ? 'read from `alerting.incidents`' : '**derived by the backtest** from `alerting.alerts` (overlapping episodes per account and category), because this build has no `alerting.incidents` yet'}.`,
    `- Run: history prepared in ${seconds(facts.prepareMs)}; posted in ${seconds(facts.postMs)} (${count(facts.requests)} requests, ${count(facts.accepted)} accepted, ${count(facts.duplicates)} duplicates, ${facts.retries} retries); drained ${seconds(facts.drainMs)} after the last request; ${seconds(facts.totalMs)} in all. ${count(facts.scoreHistoryRows)} score history rows; dead letters: ${deadLetters.length === 0 ? 'none' : deadLetters.map(([topic, n]) => `${topic} ${n}`).join(', ')}.`,
    '',
    '### Targets (issue 15)',
    '',
    '| measure | measured | target | |',
    '| --- | --- | --- | --- |',
    `| risk incidents on healthy steady accounts, per account-quarter${facts.labelled ? '' : ' (quiet accounts)'} | ${steady ? `${steady.rate} (${count(steady.opened)} over ${steady.accountQuarters})` : '–'} | ≤ 0.5 | ${verdict(steady ? steady.rate <= 0.5 : null)} |`,
    `| churners with a risk incident ≥ 14 days ahead (incidents that did not flap) | ${percent(recall.rate)} (${recall.warned} of ${recall.churns}), median lead ${recall.leadDays.median ?? '–'} days | ≥ 95 %, median lead ≥ 30 days | ${verdict(recall.churns === 0 ? null : recall.rate >= 0.95 && (recall.leadDays.median ?? 0) >= 30)} |`,
    `| precision of risk incidents (churn within 90 days) | ${riskIncidents ? precisionText(riskIncidents) : '–'} | ≥ 3× the base rate | ${verdict(lift === null ? null : lift >= 3)} |`,
    `| AUC of churn risk ${figures.auc.aheadDays} days ahead, ${facts.labelled ? 'slow declines / lost champions' : 'all accounts'} | ${aucValues.map((value) => (value === null ? '–' : value.toFixed(3))).join(' / ')} | ≥ 0.9 | ${verdict(aucValues.some((value) => value === null) ? null : aucValues.every((value) => (value as number) >= 0.9))} |`,
    `| growers with an expansion opportunity | ${percent(figures.growers.rate)} (${figures.growers.flagged} of ${figures.growers.growers}) | ≥ 90 % | ${verdict(figures.growers.growers === 0 ? null : figures.growers.rate >= 0.9)} |`,
    `| alerts opened after churn | ${count(figures.alertsAfterChurn.opened)} (on ${figures.alertsAfterChurn.accounts} accounts); incidents ${count(figures.incidentsAfterChurn.opened)} | 0 | ${verdict(figures.alertsAfterChurn.opened === 0)} |`,
    `| new queue items per CSM-week (${figures.queueLoad.accountsPerCsm} accounts per CSM) | ${figures.queueLoad.perCsmWeek} (busiest CSM-week ${figures.queueLoad.maxCsmWeek}; ${figures.queueLoad.csms} CSMs × ${figures.queueLoad.weeks} weeks) | ≤ 8 | ${verdict(figures.queueLoad.perCsmWeek <= 8)} |`,
    `| expansion while at risk | ${count(figures.expansionAlertsWhileAtRisk)} alerts, ${count(figures.expansionIncidentsWhileAtRisk)} incidents | 0 | ${verdict(figures.expansionAlertsWhileAtRisk === 0 && figures.expansionIncidentsWhileAtRisk === 0)} |`,
    '',
    '### Per incident and per rule',
    '',
    '| category | rule | opened | per account-quarter | flaps | precision vs base rate (lift) | opened after churn | still open |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...figures.byIncidentCategory.map(openingRow),
    ...figures.byRule.map(openingRow),
    '',
    `- Recall by risk **alerts** instead of incidents: ${percent(figures.recallAlerts.rate)} (${figures.recallAlerts.warned} of ${figures.recallAlerts.churns}), median lead ${figures.recallAlerts.leadDays.median ?? '–'} days.`,
    `- Risk incidents per account-quarter: all accounts ${figures.riskIncidentsPerAccountQuarter.all.rate}; quiet accounts (no churn, payment failure or detractor in the history) ${figures.riskIncidentsPerAccountQuarter.quiet.rate}.`,
    `- AUC of churn risk ${figures.auc.aheadDays} days ahead, all accounts: ${aucText(figures.auc.overall)}.`,
  ];
  if (facts.labelled) {
    lines.push(
      '',
      `| archetype (generator label) | risk incidents per account-quarter | AUC of churn risk ${figures.auc.aheadDays} days ahead |`,
      '| --- | --- | --- |',
      ...Object.entries(figures.riskIncidentsPerAccountQuarter.byArchetype).map(
        ([name, rate]) => `| ${name} | ${rate.rate} (${count(rate.opened)} over ${rate.accountQuarters}) | ${aucText(figures.auc.byArchetype[name])} |`,
      ),
    );
  }
  lines.push(`<!-- backtest:${config.label}:end -->`);
  return lines.join('\n');
}
