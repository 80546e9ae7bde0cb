import { readFileSync } from 'node:fs';
import { deadLetterTopicOf, Topics } from '@bellwether/contracts';
import { TopicTail, type KafkaConnection, type TailedRecord } from '@bellwether/kafka';
import { pipelineConsumerGroups, readPipelineState } from '@bellwether/testing';
import { serviceNames, sleep, type ServiceName } from './chaos.config';
import type { EventLedger } from './event-ledger';
import { consumedTopics as consumedTopicNames, withDatabase, type ChaosTarget, type Poison } from './faults';

/**
 * The checks after a chaos run: the sender's ledger against scoring's state, the score history
 * against the scores topic, the alert store against the alert topic, the dead-letter topics
 * against the poison sent, and the services' readiness.
 */

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface Backlog {
  /** Σ (high watermark − committed offset) over every consumer group and its topics. */
  readonly lag: number;
  readonly lagByGroup: Record<string, number>;
  /** Outbox rows not yet published, over the four schemas. */
  readonly outbox: number;
}

/** The pipeline's backlog, read once by libs/testing's reader (`readPipelineState`) on a short-lived connection. */
export async function measureBacklog(connection: KafkaConnection, databaseUrl: string): Promise<Backlog> {
  const state = await withDatabase(databaseUrl, (client) => readPipelineState(connection, client));
  const sum = (values: Readonly<Record<string, number>>): number => Object.values(values).reduce((total, value) => total + value, 0);
  return { lag: sum(state.lagByGroup), lagByGroup: { ...state.lagByGroup }, outbox: sum(state.unpublishedBySchema) };
}

/** Polls until no consumer lags and every outbox is empty, twice in a row (a relay's output makes new lag). */
export async function waitUntilSettled(
  connection: KafkaConnection,
  databaseUrl: string,
  timeoutMs: number,
  log: (message: string) => void,
): Promise<{ settled: boolean; ms: number; last: Backlog | null; error: string | null }> {
  const started = Date.now();
  let quietPolls = 0;
  let last: Backlog | null = null;
  let error: string | null = null;
  let lastLogged = 0;
  while (Date.now() - started < timeoutMs) {
    try {
      last = await measureBacklog(connection, databaseUrl);
      error = null;
      quietPolls = last.lag === 0 && last.outbox === 0 ? quietPolls + 1 : 0;
      if (quietPolls >= 2) return { settled: true, ms: Date.now() - started, last, error };
      if (Date.now() - lastLogged > 10_000) {
        log(`settling: lag ${JSON.stringify(last.lagByGroup)}, unpublished outbox rows ${last.outbox}`);
        lastLogged = Date.now();
      }
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
      quietPolls = 0;
    }
    await sleep(2000);
  }
  return { settled: false, ms: Date.now() - started, last, error };
}

/** Reads topics from the beginning to their end as of now, as an outside observer. */
export async function readTopics(connection: KafkaConnection, topics: readonly string[], onRecord: (record: TailedRecord) => void, timeoutMs = 120_000): Promise<void> {
  const tail = new TopicTail(connection, topics, { fromBeginning: true, retain: false, onRecord });
  await tail.start();
  try {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`reading ${topics.join(', ')} did not reach the end within ${timeoutMs} ms`)), timeoutMs);
    });
    await Promise.race([tail.caughtUp, timeout]).finally(() => clearTimeout(timer));
  } finally {
    await tail.stop();
  }
}

/** What the run's public topics and dead-letter topics hold, read once from the beginning. */
export interface TopicFacts {
  /** `<account>:<sequence>` of every score change record → how many copies. */
  readonly scoreChanges: Map<string, number>;
  scoreRecords: number;
  /** Alert lifecycle events in topic order (partition, offset). */
  readonly alertEvents: AlertEventValue[];
  readonly taskIds: Set<string>;
  /** Poison marker → consumer groups that dead-lettered it. */
  readonly poisonGroups: Map<string, Set<string>>;
  poisonCopies: number;
  /** Event ids dead-lettered as too late. */
  readonly lateIds: Set<string>;
  /** Dead letters that are neither poison nor lateness. */
  readonly otherDeadLetters: string[];
}

interface AlertEventValue {
  eventId: string;
  kind: string;
  alertId: string;
  accountId: string;
  rule: string;
  partition: number;
  offset: bigint;
}

/** One reader over the scores, alerts and playbook-runs topics and the dead-letter topics. */
export async function collectTopicFacts(connection: KafkaConnection): Promise<TopicFacts> {
  const facts: TopicFacts = { scoreChanges: new Map(), scoreRecords: 0, alertEvents: [], taskIds: new Set(), poisonGroups: new Map(), poisonCopies: 0, lateIds: new Set(), otherDeadLetters: [] };
  const dlqTopics = consumedTopicNames.map(deadLetterTopicOf);
  await readTopics(connection, [Topics.scores, Topics.alerts, Topics.playbookRuns, ...dlqTopics], (record) => {
    const value = record.value as Record<string, unknown> | null;
    if (record.topic === Topics.scores) {
      if (!value || typeof value['accountId'] !== 'string') return;
      facts.scoreRecords += 1;
      const id = `${value['accountId']}:${String(value['sequence'])}`;
      facts.scoreChanges.set(id, (facts.scoreChanges.get(id) ?? 0) + 1);
    } else if (record.topic === Topics.alerts) {
      if (value && typeof value['eventId'] === 'string' && typeof value['alertId'] === 'string') {
        const { eventId, kind, alertId, accountId, rule } = value as unknown as AlertEventValue;
        facts.alertEvents.push({ eventId, kind, alertId, accountId, rule, partition: record.partition, offset: BigInt(record.offset) });
      }
    } else if (record.topic === Topics.playbookRuns) {
      const task = value?.['task'] as { taskId?: unknown } | undefined;
      if (value?.['kind'] === 'task.created' && typeof task?.taskId === 'string') facts.taskIds.add(task.taskId);
    } else {
      const marker = record.headers['chaos-poison'];
      if (marker) {
        facts.poisonCopies += 1;
        const groups = facts.poisonGroups.get(marker) ?? new Set<string>();
        groups.add(record.headers['dlq_consumer_group'] ?? '?');
        facts.poisonGroups.set(marker, groups);
      } else if (record.headers['dlq_step'] === 'lateness' && typeof value?.['id'] === 'string') {
        facts.lateIds.add(value['id']);
      } else if (facts.otherDeadLetters.length < 20) {
        facts.otherDeadLetters.push(`${record.topic} ${record.headers['dlq_consumer_group'] ?? '?'} ${record.headers['dlq_step'] ?? '?'}: ${(record.headers['dlq_reason'] ?? '').slice(0, 160)}`);
      }
    }
  });
  facts.alertEvents.sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
  return facts;
}

export interface EventBooks {
  readonly sent: number;
  readonly accepted: number;
  /** Σ eventsApplied over the account states. */
  readonly applied: number;
  /** Distinct ids scoring claimed. */
  readonly claimed: number;
  /** Accepted ids scoring never claimed. */
  readonly lost: number;
  /** Claimed ids whose effect is missing from the account state (Σ claimed − applied, per account). */
  readonly lostInState: number;
  /** Applications beyond one per id (Σ applied − claimed, per account). */
  readonly duplicated: number;
  /** Claimed ids of batches the sender never got a 202 for (legitimate: the request reached Kafka). */
  readonly appliedUnacknowledged: number;
  /** Claimed ids the sender never sent: must not exist. */
  readonly phantom: number;
  readonly abandoned: number;
  readonly rejectedBatches: number;
  /** Accepted events dead-lettered as too late (they are counted in `lost`). */
  readonly lateDeadLetters: number;
  readonly lostSample: readonly string[];
  readonly duplicatedSample: readonly string[];
}

export async function auditEvents(databaseUrl: string, ledger: EventLedger, lateIds: ReadonlySet<string>): Promise<EventBooks> {
  const { claimedByAccount, appliedByAccount, claimedIds } = await withDatabase(databaseUrl, async (client) => {
    const claimed = await client.query<{ event_id: string; account_id: string }>('SELECT event_id, account_id FROM scoring.processed_events');
    const states = await client.query<{ account_id: string; applied: number }>("SELECT account_id, (state->>'eventsApplied')::int AS applied FROM scoring.account_state");
    const byAccount = new Map<string, number>();
    for (const row of claimed.rows) byAccount.set(row.account_id, (byAccount.get(row.account_id) ?? 0) + 1);
    return {
      claimedIds: new Set(claimed.rows.map((row) => row.event_id)),
      claimedByAccount: byAccount,
      appliedByAccount: new Map(states.rows.map((row) => [row.account_id, row.applied])),
    };
  });
  const lostIds = [...ledger.accepted.keys()].filter((id) => !claimedIds.has(id));
  let appliedUnacknowledged = 0;
  let phantom = 0;
  for (const id of claimedIds) {
    if (ledger.accepted.has(id)) continue;
    if (ledger.abandoned.has(id)) appliedUnacknowledged += 1;
    else phantom += 1;
  }
  let lostInState = 0;
  let duplicated = 0;
  const duplicatedSample: string[] = [];
  for (const account of new Set([...claimedByAccount.keys(), ...appliedByAccount.keys()])) {
    const claimed = claimedByAccount.get(account) ?? 0;
    const applied = appliedByAccount.get(account) ?? 0;
    if (applied > claimed) {
      duplicated += applied - claimed;
      if (duplicatedSample.length < 10) duplicatedSample.push(`${account}: eventsApplied ${applied}, ids claimed ${claimed}, ledger ${ledger.acceptedByAccount.get(account) ?? 0}`);
    } else {
      lostInState += claimed - applied;
    }
  }
  return {
    sent: ledger.sent,
    accepted: ledger.accepted.size,
    applied: [...appliedByAccount.values()].reduce((sum, value) => sum + value, 0),
    claimed: claimedIds.size,
    lost: lostIds.length,
    lostInState,
    duplicated,
    appliedUnacknowledged,
    phantom,
    abandoned: ledger.abandoned.size,
    rejectedBatches: ledger.rejected.length,
    lateDeadLetters: [...lateIds].filter((id) => ledger.accepted.has(id)).length,
    lostSample: lostIds.slice(0, 10),
    duplicatedSample,
  };
}

export interface ScoreBooks {
  /** Rows of scoring.score_history. */
  readonly history: number;
  /** Records read from the scores topic, and how many were re-publications of a change already seen. */
  readonly topicRecords: number;
  readonly republished: number;
  /** History rows with no record on the topic. */
  readonly missing: number;
  /** Topic records with no history row. */
  readonly phantom: number;
  /** Accounts whose history is not exactly 1..sequence. */
  readonly gaps: number;
  readonly sample: readonly string[];
}

export async function auditScores(facts: TopicFacts, databaseUrl: string): Promise<ScoreBooks> {
  const onTopic = facts.scoreChanges;
  const topicRecords = facts.scoreRecords;
  const { history, sequences } = await withDatabase(databaseUrl, async (client) => {
    const rows = await client.query<{ account_id: string; sequence: number }>('SELECT account_id, sequence FROM scoring.score_history');
    const states = await client.query<{ account_id: string; sequence: number }>('SELECT account_id, sequence FROM scoring.account_state');
    return { history: rows.rows, sequences: new Map(states.rows.map((row) => [row.account_id, row.sequence])) };
  });
  const inHistory = new Set(history.map((row) => `${row.account_id}:${row.sequence}`));
  const missing = [...inHistory].filter((id) => !onTopic.has(id));
  const phantom = [...onTopic.keys()].filter((id) => !inHistory.has(id));
  const perAccount = new Map<string, { count: number; max: number }>();
  for (const row of history) {
    const entry = perAccount.get(row.account_id) ?? { count: 0, max: 0 };
    perAccount.set(row.account_id, { count: entry.count + 1, max: Math.max(entry.max, row.sequence) });
  }
  const gapAccounts = [...sequences].filter(([account, sequence]) => {
    const entry = perAccount.get(account) ?? { count: 0, max: 0 };
    return entry.count !== sequence || entry.max !== sequence;
  });
  return {
    history: history.length,
    topicRecords,
    republished: topicRecords - onTopic.size,
    missing: missing.length,
    phantom: phantom.length,
    gaps: gapAccounts.length,
    sample: [...missing.slice(0, 5).map((id) => `missing ${id}`), ...phantom.slice(0, 5).map((id) => `phantom ${id}`), ...gapAccounts.slice(0, 5).map(([account, sequence]) => `gap ${account} (sequence ${sequence})`)],
  };
}

export interface AlertBooks {
  readonly stored: number;
  readonly activeInStore: number;
  /** (account, rule) pairs with more than one active alert in the store. */
  readonly activeDuplicates: number;
  readonly lifecycleEvents: number;
  readonly opened: number;
  readonly republished: number;
  /** Alert ids opened by more than one distinct lifecycle event. */
  readonly openedTwice: number;
  /** An 'opened' for an (account, rule) while an earlier alert of that pair was still active. */
  readonly overlappingEpisodes: number;
  readonly storedWithoutOpened: number;
  readonly openedWithoutStored: number;
  readonly sample: readonly string[];
}

export async function auditAlerts(facts: TopicFacts, databaseUrl: string): Promise<AlertBooks> {
  const events = facts.alertEvents;
  const { stored, active, duplicates } = await withDatabase(databaseUrl, async (client) => {
    const all = await client.query<{ id: string; status: string }>('SELECT id, status FROM alerting.alerts');
    const dup = await client.query<{ account_id: string; rule_id: string; n: number }>(
      "SELECT account_id, rule_id, count(*)::int AS n FROM alerting.alerts WHERE status <> 'resolved' GROUP BY 1, 2 HAVING count(*) > 1",
    );
    return { stored: all.rows, active: all.rows.filter((row) => row.status !== 'resolved').length, duplicates: dup.rows };
  });
  // One key (account) is one partition: offset order is the order the alerting service emitted.
  const seen = new Set<string>();
  const openedBy = new Map<string, string>();
  const activeByPair = new Map<string, string>();
  let republished = 0;
  let openedTwice = 0;
  let overlapping = 0;
  const sample: string[] = duplicates.map((row) => `store: ${row.n} active alerts for ${row.account_id}/${row.rule_id}`);
  for (const value of events) {
    if (seen.has(value.eventId)) {
      republished += 1;
      continue;
    }
    seen.add(value.eventId);
    const pair = `${value.accountId}/${value.rule}`;
    if (value.kind === 'opened') {
      const earlier = openedBy.get(value.alertId);
      if (earlier !== undefined && earlier !== value.eventId) {
        openedTwice += 1;
        if (sample.length < 10) sample.push(`alert ${value.alertId} opened by ${earlier} and ${value.eventId}`);
      }
      openedBy.set(value.alertId, value.eventId);
      const current = activeByPair.get(pair);
      if (current !== undefined && current !== value.alertId) {
        overlapping += 1;
        if (sample.length < 10) sample.push(`${pair}: ${value.alertId} opened while ${current} was active`);
      }
      activeByPair.set(pair, value.alertId);
    } else if (value.kind === 'resolved' && activeByPair.get(pair) === value.alertId) {
      activeByPair.delete(pair);
    }
  }
  const storedIds = new Set(stored.map((row) => row.id));
  const storedWithoutOpened = [...storedIds].filter((id) => !openedBy.has(id));
  const openedWithoutStored = [...openedBy.keys()].filter((id) => !storedIds.has(id));
  for (const id of storedWithoutOpened.slice(0, 3)) sample.push(`stored alert ${id} has no 'opened' event on the topic`);
  for (const id of openedWithoutStored.slice(0, 3)) sample.push(`'opened' alert ${id} is not in the store`);
  return {
    stored: stored.length,
    activeInStore: active,
    activeDuplicates: duplicates.length,
    lifecycleEvents: events.length,
    opened: openedBy.size,
    republished,
    openedTwice,
    overlappingEpisodes: overlapping,
    storedWithoutOpened: storedWithoutOpened.length,
    openedWithoutStored: openedWithoutStored.length,
    sample,
  };
}

export interface DeadLetterBooks {
  /** (topic, consumer group) pairs that must have dead-lettered a poison record. */
  readonly expected: number;
  readonly found: number;
  /** Dead letters of poison in total (a crash between the DLQ send and the commit makes a second copy). */
  readonly copies: number;
  readonly missing: readonly string[];
  /** Event ids dead-lettered by scoring as too late. */
  readonly lateIds: ReadonlySet<string>;
  /** Dead letters that are neither poison nor lateness, by step/reason. */
  readonly other: readonly string[];
}

export function auditDeadLetters(facts: TopicFacts, poisons: readonly Poison[]): DeadLetterBooks {
  const found = facts.poisonGroups;
  const missing: string[] = [];
  let expected = 0;
  let present = 0;
  for (const poison of poisons) {
    for (const [group, topics] of Object.entries(pipelineConsumerGroups)) {
      if (!topics.includes(poison.topic)) continue;
      expected += 1;
      if (found.get(poison.marker)?.has(group)) present += 1;
      else missing.push(`${deadLetterTopicOf(poison.topic)} has no dead letter from ${group}`);
    }
  }
  return { expected, found: present, copies: facts.poisonCopies, missing, lateIds: facts.lateIds, other: facts.otherDeadLetters };
}

export interface PlaybookBooks {
  /** Accepted nps.responded events, and how many of them the playbook's KPI projection holds. */
  readonly npsAccepted: number;
  readonly npsProjected: number;
  readonly tasks: number;
  readonly taskEvents: number;
  readonly tasksWithoutEvent: number;
  readonly eventsWithoutTask: number;
}

export async function auditPlaybook(facts: TopicFacts, databaseUrl: string, ledger: EventLedger): Promise<PlaybookBooks> {
  const taskIds = facts.taskIds;
  const nps = ledger.acceptedByType.get('nps.responded') ?? new Set<string>();
  return withDatabase(databaseUrl, async (client) => {
    const projected = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM playbook.kpi_nps WHERE event_id = ANY($1::text[])', [[...nps]]);
    const tasks = new Set((await client.query<{ id: string }>('SELECT id FROM playbook.tasks')).rows.map((row) => row.id));
    return {
      npsAccepted: nps.size,
      npsProjected: projected.rows[0]?.n ?? 0,
      tasks: tasks.size,
      taskEvents: taskIds.size,
      tasksWithoutEvent: [...tasks].filter((id) => !taskIds.has(id)).length,
      eventsWithoutTask: [...taskIds].filter((id) => !tasks.has(id)).length,
    };
  });
}

/** /readyz of every service, waited for up to `timeoutMs` (they must be healthy again). */
export async function auditHealth(services: Readonly<Record<ServiceName, ChaosTarget>>, timeoutMs = 60_000): Promise<Record<ServiceName, { status: number; body: string }>> {
  const result = {} as Record<ServiceName, { status: number; body: string }>;
  await Promise.all(
    serviceNames.map(async (name) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        let answer = { status: 0, body: '' };
        try {
          const response = await fetch(`${services[name].baseUrl}/readyz`);
          answer = { status: response.status, body: (await response.text()).slice(0, 500) };
        } catch (error) {
          answer = { status: 0, body: error instanceof Error ? error.message : String(error) };
        }
        if (answer.status === 200 || Date.now() > deadline) {
          result[name] = answer;
          return;
        }
        await sleep(500);
      }
    }),
  );
  return result;
}

/** Log lines worth a look after a run, by what they say. */
export const notableLogLines: readonly { readonly label: string; readonly pattern: RegExp }[] = [
  { label: 'record dead-lettered', pattern: /"msg":"record dead-lettered"/ },
  { label: 'consumer batch failed, retried', pattern: /"msg":"batch failed, retrying"/ },
  { label: 'outbox publish failed, retried', pattern: /"msg":"outbox publish failed, retrying"/ },
  { label: 'kafka consumer crashed', pattern: /"msg":"kafka consumer crashed"/ },
  { label: 'producer: out of order sequence number', pattern: /out of order sequence number/ },
  { label: 'any error-level line', pattern: /"level":"(?:error|fatal)"/ },
];

/** How many lines of each service's log match each notable pattern. */
export function countNotableLogLines(logs: Readonly<Record<ServiceName, string>>): { label: string; counts: Record<ServiceName, number> }[] {
  const texts = Object.fromEntries(
    serviceNames.map((name) => {
      try {
        return [name, readFileSync(logs[name], 'utf8').split('\n')];
      } catch {
        return [name, [] as string[]];
      }
    }),
  ) as Record<ServiceName, string[]>;
  return notableLogLines.map(({ label, pattern }) => ({
    label,
    counts: Object.fromEntries(serviceNames.map((name) => [name, texts[name].filter((line) => pattern.test(line)).length])) as Record<ServiceName, number>,
  }));
}

export interface SecretFinding {
  readonly path: string;
  readonly secret: string;
  readonly line: number;
}

/** Looks for each secret's exact text in each log file; reports where (never the secret itself). */
export function scanLogsForSecrets(paths: readonly string[], secrets: readonly { label: string; value: string }[]): { bytes: number; findings: SecretFinding[] } {
  const findings: SecretFinding[] = [];
  let bytes = 0;
  for (const path of paths) {
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    bytes += text.length;
    for (const secret of secrets) {
      if (secret.value.length < 8) continue;
      const index = text.indexOf(secret.value);
      if (index >= 0) findings.push({ path, secret: secret.label, line: text.slice(0, index).split('\n').length });
    }
  }
  return { bytes, findings };
}
