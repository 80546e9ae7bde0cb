import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { CHURN_HORIZON_MS, healthyArchetypes, WARM_UP_DAYS, type CustomerBase, type SignalQuality } from '@bellwether/testing';
import type { MachineFacts } from '../chaos/chaos-report';
import type { ReplayConfig } from './replay.config';

/** What the run itself measured, besides the alerts. */
export interface RunFacts {
  readonly startedAt: string;
  readonly generateMs: number;
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

const SECTION = /<!-- replay:([a-z0-9-]+):start -->\n[\s\S]*?<!-- replay:\1:end -->\n?/g;

/**
 * Writes this run's section of docs/signal-quality.md (between `<!-- replay:<label>:start/end -->`
 * markers), replacing an earlier section of the same label and keeping every other one, under a
 * freshly written introduction.
 */
export function writeSignalQualityReport(path: string, config: ReplayConfig, base: CustomerBase, quality: SignalQuality, facts: RunFacts): void {
  const sections = new Map<string, string>();
  if (existsSync(path)) for (const match of readFileSync(path, 'utf8').matchAll(SECTION)) sections.set(match[1] as string, match[0].trimEnd());
  sections.set(config.label, renderSection(config, base, quality, facts));
  writeFileSync(path, `${introduction()}\n${[...sections.values()].join('\n\n')}\n`);
}

function introduction(): string {
  return `# Signal quality

How good Bellwether's alerts are, measured against a simulated customer base whose outcomes are
known: the base is replayed through the real stack (the four services as processes, the real
broker, Postgres and Redis, \`CLOCK_MODE=event\`) and the alert episodes that come out are scored
against what really happened to each account. Issue 14 asks for a flap rate under 3 %; the
alert-hygiene issue extends this page. Written by \`npm run replay\` (scripts/replay/): each run
writes its own section (\`REPLAY_LABEL\`, e.g. \`before\` and \`after\` a change) and keeps the others.

## What is replayed

\`generateCustomerBase\` (libs/testing/src/customer-base.ts), seeded and pure: N accounts over D
days, ending 5 days before the anchor day. Every account starts with its contract and owner
(\`subscription.changed\` with plan, seats, MRR and renewal date; \`account.updated\` with its
csmId), posted with a key that has \`accounts:write\`. Archetypes and their known outcomes:

| archetype | what it does | truth |
| --- | --- | --- |
| healthy | steady use with a weekday/weekend rhythm, a monthly payment, a ticket now and then | no trouble |
| late_reporter | as healthy, but its product telemetry is delivered in one bulk a day, 1–40 h after the event time | no trouble |
| expanding | growing use, then pricing-page views, gated features, usage near the plan limit; \`account.expanded\` | no trouble; expansion |
| declining_churn | use fades over 1–5 weeks (fewer users, fewer features, more tickets), then \`account.churned\` | trouble from the decline's start; churns |
| silent_churn | use stops from one day to the next; \`account.churned\` 10–21 days later | trouble from the last active day; churns |
| payment_failure | as healthy, with \`billing.payment_failed\` (and a retry) and \`billing.payment_succeeded\` 3–10 days later | trouble until the payment |
| nps_detractor | slightly less use, a few tickets, then an NPS answer of 1–5 | trouble from the answer |

An account's first events are its contract and owner, before any usage: a pipeline that scores
an account at once scores it without usage (on the code of the \`before\` run: red, so a
\`health_entered_red\` that resolves on the first day, once usage arrives).

Events are posted in **arrival order** (event time + delivery delay; ordinary accounts arrive
seconds to minutes late, at most 15 min; nothing arrives more than 40 h late), 500 per request,
one request at a time. The run waits until every consumer group has no lag, every outbox is
published and nothing new has been written for a few seconds, then reads \`alerting.alerts\`.

## Definitions

- **Episode**: one alert from its opening to its resolution (event times of \`alerting.alerts\`).
- **Flap**: an episode resolved less than one event-day (24 h of event time) after it opened.
  Flap rate = flaps / episodes, for risk alerts and for all alerts.
- **Risk alerts per healthy account-quarter**: risk alerts opened on accounts without trouble
  (${healthyArchetypes.join(', ')}), per 91.25 account-days of them; also without each account's
  first ${WARM_UP_DAYS} days (the scorecard's baseline needs two weeks).
- **Precision**: the share of risk alerts whose account churns within ${CHURN_HORIZON_MS / 86_400_000} days after the alert opened.
  Payment failures and detractors are real trouble that does not end in churn, so the share of
  risk alerts **with a known cause** is given too: opened during the account's trouble (a
  decline or silence up to the churn, a payment failure until 7 days after the payment, a
  detractor's answer for 30 days).
- **Churners warned (recall)**: churners with a risk alert opened after their trouble began and
  before the churn (within ${CHURN_HORIZON_MS / 86_400_000} days of it). **Lead time**: churn − that first alert; **detection
  delay**: that first alert − the trouble's start.

## Running it

\`npm run replay\` builds a private copy of the tree into reports/replay/build, drops the service
schemas of its database (\`REPLAY_DB\`, default \`bellwether_replay\`; the name must contain
"replay") and flushes its Redis db (\`REPLAY_REDIS_DB\`, default 5), runs the services on
\`REPLAY_BASE_PORT\` (5400)…+3 in their own Kafka namespace, replays, writes its section here and
deletes its topics. Size: \`REPLAY_ACCOUNTS\` (300), \`REPLAY_DAYS\` (120),
\`REPLAY_EVENTS_PER_ACTIVE_USER\` (4), \`REPLAY_SEATS\` (5-30), \`REPLAY_SEED\` (1); \`REPLAY_ANCHOR\`
(today) fixes the days, so a later run with the same command replays the very same events. The
run's episodes are kept in reports/replay/episodes-<label>.json.
`;
}

function renderSection(config: ReplayConfig, base: CustomerBase, quality: SignalQuality, facts: RunFacts): string {
  const count = (n: number) => n.toLocaleString('en-US');
  const percent = (rate: number) => `${(rate * 100).toFixed(1)} %`;
  const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
  const archetypes = new Map<string, number>();
  for (const account of base.accounts) archetypes.set(account.archetype, (archetypes.get(account.archetype) ?? 0) + 1);
  const recall = quality.churnRecall;
  const lead = recall.leadTimeDays;
  const delay = recall.afterTroubleDays;
  const deadLetters = Object.entries(facts.deadLetters).filter(([, n]) => n > 0);
  const lines = [
    `<!-- replay:${config.label}:start -->`,
    `## ${config.label} — ${facts.startedAt.slice(0, 10)}, commit ${config.gitCommit.slice(0, 12)}`,
    '',
    `\`${config.command}\`, run ${facts.startedAt.replace('T', ' ').slice(0, 16)} UTC from commit \`${config.gitCommit}\`, on ${facts.machine.cores} cores (${facts.machine.cpuModel}), ${facts.machine.memoryGiB} GiB, ${facts.machine.kafka}, ${facts.machine.postgres}, ${facts.machine.redis}, Node ${facts.machine.node}.`,
    '',
    `- Base: ${count(base.accounts.length)} accounts × ${base.days} days (seed ${base.seed}, ${base.startTime.slice(0, 10)} to ${base.endTime.slice(0, 10)}), ${count(base.events.length)} events; ${[...archetypes].map(([name, n]) => `${name} ${n}`).join(', ')}.`,
    `- Run: generated in ${seconds(facts.generateMs)}; posted in ${seconds(facts.postMs)} (${count(facts.requests)} requests, ${count(facts.accepted)} accepted, ${count(facts.duplicates)} duplicates, ${facts.retries} retries); drained ${seconds(facts.drainMs)} after the last request; ${seconds(facts.totalMs)} in all. ${count(facts.scoreHistoryRows)} score history rows; dead letters: ${deadLetters.length === 0 ? 'none' : deadLetters.map(([topic, n]) => `${topic} ${n}`).join(', ')}.`,
    '',
    '| figure | value |',
    '| --- | --- |',
    `| alert episodes | ${Object.entries(quality.byCategory).map(([category, n]) => `${category} ${count(n)}`).join(', ') || 'none'} |`,
    `| **flap rate, risk alerts** (resolved within one event-day) | **${percent(quality.flapRisk.rate)}** (${count(quality.flapRisk.flaps)} of ${count(quality.flapRisk.episodes)}) |`,
    `| flap rate, all alerts | ${percent(quality.flapAll.rate)} (${count(quality.flapAll.flaps)} of ${count(quality.flapAll.episodes)}) |`,
    `| risk alerts per healthy account-quarter | ${quality.healthyRiskPerAccountQuarter.rate} (${count(quality.healthyRiskPerAccountQuarter.alerts)} over ${quality.healthyRiskPerAccountQuarter.accountQuarters} account-quarters); after the ${WARM_UP_DAYS}-day warm-up ${quality.healthyRiskPerAccountQuarterAfterWarmUp.rate} |`,
    `| risk-alert precision (account churns within 90 days) | ${percent(quality.precision.rate)} (${count(quality.precision.onChurnWithin90Days)} of ${count(quality.precision.riskAlerts)}) |`,
    `| risk alerts with a known cause | ${percent(quality.explained.rate)} (${count(quality.explained.explained)} of ${count(quality.explained.riskAlerts)}) |`,
    `| churners warned (recall) | ${recall.warned} of ${recall.churners} (${percent(recall.rate)}) |`,
    `| lead time before churn, days (median; min–max) | ${lead.median === null ? '–' : `${lead.median}; ${lead.min}–${lead.max}`} |`,
    `| detection delay after the trouble began, days (median; min–max) | ${delay.median === null ? '–' : `${delay.median}; ${delay.min}–${delay.max}`} |`,
    `| payment failures with a \`payment_failed\` alert | ${quality.paymentFailureRecall.alerted} of ${quality.paymentFailureRecall.accounts} |`,
    `| detractors with an \`nps_detractor\` alert | ${quality.detractorRecall.alerted} of ${quality.detractorRecall.accounts} |`,
    '',
    '| category | rule | opened | flaps | flap rate | still open at the end |',
    '| --- | --- | --- | --- | --- | --- |',
    ...quality.byRule.map((rule) => `| ${rule.category} | ${rule.rule} | ${count(rule.opened)} | ${count(rule.flaps)} | ${percent(rule.opened === 0 ? 0 : rule.flaps / rule.opened)} | ${count(rule.stillOpen)} |`),
    '',
    '| archetype | accounts | risk alerts per account-quarter |',
    '| --- | --- | --- |',
    ...[...archetypes].map(([name, n]) => `| ${name} | ${n} | ${quality.riskPerAccountQuarterByArchetype[name] ?? 0} |`),
    `<!-- replay:${config.label}:end -->`,
  ];
  return lines.join('\n');
}
