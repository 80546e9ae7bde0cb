import { WEEK_MS } from './time';

/** Kafka topics of the public contract. Every topic is keyed by accountId. */
export const Topics = {
  events: 'bellwether.events.v1',
  scores: 'bellwether.scores.v1',
  accountState: 'bellwether.account-state.v1',
  alerts: 'bellwether.alerts.v1',
  /** Incident lifecycle: an account's active alerts of one category, grouped (one risk incident, one expansion opportunity). */
  incidents: 'bellwether.incidents.v1',
  playbookRuns: 'bellwether.playbook-runs.v1',
  clock: 'bellwether.clock.v1',
  /** Internal: the pipeline's event-time watermark, from scoring, so alerting's and playbook's timers follow it in event mode. */
  watermarks: 'bellwether.watermarks.v1',
  /** Internal: API key records (hashes only) from ingestion, so every service can verify keys. */
  apiKeys: 'bellwether.api-keys.v1',
  /** Internal: the directory of CSMs, teams and their managers from ingestion's admin API (access checks read it). */
  directory: 'bellwether.directory.v1',
  /**
   * Internal: activations of versioned configuration (scorecards first; keyed by kind), so every
   * replica of the owning service switches at the same event-time point.
   */
  configActivations: 'bellwether.config-activations.v1',
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];

/** Each consumer dead-letters what it cannot process to `<topic>.dlq`. */
export function deadLetterTopicOf(topic: string): string {
  return `${topic}.dlq`;
}

/** How each topic is created (partitions are a floor: an operator may add more). */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly compacted: boolean;
  readonly retentionMs?: number;
}


export const topicSpecs: readonly TopicSpec[] = [
  { name: Topics.events, partitions: 6, compacted: false, retentionMs: 4 * WEEK_MS },
  { name: Topics.scores, partitions: 6, compacted: false, retentionMs: 4 * WEEK_MS },
  { name: Topics.accountState, partitions: 6, compacted: true },
  { name: Topics.alerts, partitions: 6, compacted: false, retentionMs: 4 * WEEK_MS },
  { name: Topics.incidents, partitions: 6, compacted: false, retentionMs: 4 * WEEK_MS },
  { name: Topics.playbookRuns, partitions: 6, compacted: false, retentionMs: 4 * WEEK_MS },
  { name: Topics.clock, partitions: 1, compacted: false, retentionMs: WEEK_MS },
  { name: Topics.watermarks, partitions: 1, compacted: true },
  { name: Topics.apiKeys, partitions: 1, compacted: true },
  { name: Topics.directory, partitions: 1, compacted: true },
  { name: Topics.configActivations, partitions: 1, compacted: true },
  ...[Topics.events, Topics.scores, Topics.alerts, Topics.incidents, Topics.playbookRuns, Topics.clock].map((topic) => ({
    name: deadLetterTopicOf(topic),
    partitions: 1,
    compacted: false,
    retentionMs: 4 * WEEK_MS,
  })),
];
