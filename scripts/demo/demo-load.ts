/* eslint-disable no-console -- the demo reports on stdout */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { HEALTH_BANDS, Topics, type AlertLifecycleEvent, type PlaybookRunEvent, type ScoreChanged } from '@bellwether/contracts';
import { KafkaConnection, TopicTail, type TailedRecord } from '@bellwether/kafka';

/**
 * A small, realistic demo load: accounts of four kinds (thriving, slipping, in trouble, just
 * onboarded) over the last five weeks, posted through the public API; then it watches the public
 * topics and prints the score changes, alerts and playbook tasks as they come out.
 */
interface DemoEvent {
  id: string;
  type: string;
  accountId: string;
  userId?: string;
  timestamp: string;
  properties: Record<string, unknown>;
}

type Archetype = 'thriving' | 'slipping' | 'troubled' | 'onboarding';
const archetypes: Archetype[] = ['thriving', 'slipping', 'troubled', 'onboarding'];
const keyFeatures = ['reports', 'dashboards', 'integrations', 'automation', 'api'];
const csms = ['csm-ana', 'csm-ben', 'csm-chen'];

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:3000' },
    key: { type: 'string' },
    accounts: { type: 'string', default: '12' },
    brokers: { type: 'string', default: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092' },
    'watch-seconds': { type: 'string', default: '60' },
  },
});

const now = Date.now();
const at = (daysAgo: number, hour = 10): string => new Date(now - daysAgo * 86_400_000 + (hour - 12) * 3_600_000).toISOString();

function eventsFor(accountId: string, archetype: Archetype, index: number): DemoEvent[] {
  const events: DemoEvent[] = [];
  const add = (type: string, daysAgo: number, properties: Record<string, unknown> = {}, userId?: string) =>
    events.push({ id: `demo_${randomUUID()}`, type, accountId, timestamp: at(daysAgo), properties, ...(userId ? { userId } : {}) });
  const onboarding = archetype === 'onboarding';
  add('subscription.changed', onboarding ? 10 : 240, { plan: index % 3 === 0 ? 'enterprise' : 'pro', seats: 10, mrr: 1000 + index * 900, startDate: at(onboarding ? 10 : 240) });
  add('account.updated', onboarding ? 10 : 240, { traits: { csmId: csms[index % csms.length] } });
  if (onboarding) {
    add('onboarding.milestone_completed', 9, { milestone: 'account_setup' });
    add('onboarding.milestone_completed', 6, { milestone: 'data_connected' });
    for (let day = 9; day >= 0; day -= 1) add('session.started', day, {}, `u${day % 3}`);
    return events;
  }
  for (let day = 35; day >= 0; day -= 1) {
    const recent = day < 7;
    const users = archetype === 'thriving' ? 8 : archetype === 'slipping' ? (recent ? 1 : 7) : recent ? 1 : 3;
    for (let user = 0; user < users; user += 1) {
      const feature = archetype === 'thriving' ? keyFeatures[user % 4] : keyFeatures[user % 2];
      add('feature.used', day, { feature }, `u${user}`);
    }
  }
  if (archetype === 'thriving') add('nps.responded', 3, { score: 10 }, 'u0');
  if (archetype === 'slipping') {
    add('nps.responded', 2, { score: 6, comment: 'we stopped using it after the reorg' }, 'u0');
    add('support.ticket_opened', 4, { ticketId: `t-${index}`, topic: 'sso' });
  }
  if (archetype === 'troubled') {
    for (let n = 0; n < 4; n += 1) add('support.ticket_opened', 3, { ticketId: `t-${index}-${n}`, topic: 'sync' });
    add('billing.payment_failed', 2);
    add('nps.responded', 1, { score: 2, comment: 'nothing works' }, 'u0');
  }
  return events;
}

async function post(events: DemoEvent[]): Promise<{ accepted: number; duplicates: number }> {
  const response = await fetch(`${values.url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${values.key}` },
    body: JSON.stringify({ events }),
  });
  if (response.status !== 202) throw new Error(`POST /v1/events answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as { accepted: number; duplicates: number };
}

function describe(record: TailedRecord): string | null {
  if (record.topic === Topics.scores) {
    const change = record.value as ScoreChanged;
    const before = change.before ? `${change.before.health} ${change.before.band}` : 'new';
    return `score    ${change.accountId}: ${before} → ${change.after.health} ${change.after.band} (${change.after.segment}); ${change.reasons[0] ?? ''}`;
  }
  if (record.topic === Topics.alerts) {
    const alert = record.value as AlertLifecycleEvent;
    return `alert    ${alert.kind} ${alert.rule} [${alert.severity}] for ${alert.accountId} → queue ${alert.queue}`;
  }
  const run = record.value as PlaybookRunEvent;
  if (run.kind === 'task.created' && run.task) return `task     ${run.playbookId}: "${run.task.title}" → ${run.task.queue}`;
  return null;
}

async function main(): Promise<void> {
  if (!values.key) throw new Error('--key is required (an API key with the ingest scope; with accounts:write too, its csmId traits set owners)');
  const runId = randomUUID().slice(0, 6);
  const accountIds: string[] = [];
  const kafka = new KafkaConnection({ brokers: values.brokers.split(','), clientId: 'bellwether-demo' });
  const tail = new TopicTail(kafka, [Topics.scores, Topics.alerts, Topics.playbookRuns], {
    fromBeginning: true,
    onRecord: (record) => {
      if (!accountIds.includes(record.key ?? '')) return;
      const line = describe(record);
      if (line) console.log(line);
    },
  });
  await tail.start();

  let sent = 0;
  for (let index = 0; index < Number(values.accounts); index += 1) {
    const archetype = archetypes[index % archetypes.length] as Archetype;
    const accountId = `demo-${runId}-${archetype}-${index}`;
    accountIds.push(accountId);
    const events = eventsFor(accountId, archetype, index);
    for (let offset = 0; offset < events.length; offset += 500) sent += (await post(events.slice(offset, offset + 500))).accepted;
  }
  console.log(`\nposted ${sent} events for ${accountIds.length} accounts; watching the topics...\n`);

  const deadline = Date.now() + Number(values['watch-seconds']) * 1000;
  const ours = () => tail.records.filter((record) => accountIds.includes(record.key ?? ''));
  const troubled = accountIds.filter((id) => id.includes('-troubled-'));
  while (Date.now() < deadline) {
    const tasksFor = new Set(ours().filter((r) => r.topic === Topics.playbookRuns).map((r) => r.key));
    if (troubled.every((id) => tasksFor.has(id))) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const records = ours();
  const latest = new Map<string, ScoreChanged>();
  for (const record of records.filter((r) => r.topic === Topics.scores)) latest.set(record.key ?? '', record.value as ScoreChanged);
  console.log('\nsummary');
  console.log(`  score changes published: ${records.filter((r) => r.topic === Topics.scores).length}`);
  for (const band of HEALTH_BANDS) {
    console.log(`  accounts ${band.padEnd(6)}: ${[...latest.values()].filter((change) => change.after.band === band).length}`);
  }
  console.log(`  alerts opened: ${records.filter((r) => r.topic === Topics.alerts && (r.value as { kind: string }).kind === 'opened').length}`);
  console.log(`  playbook tasks created: ${records.filter((r) => r.topic === Topics.playbookRuns && (r.value as { kind: string }).kind === 'task.created').length}`);
  await tail.stop();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
