import { Topics, validateDirectoryRecord } from '@bellwether/contracts';
import { type KafkaConnection, TopicTail } from '@bellwether/kafka';
import { DirectoryState, type TeamDirectory } from './directory';

/**
 * The directory of CSMs and teams, read from the compacted `bellwether.directory.v1` into memory
 * (like `ApiKeyRing`). Changes arrive within the topic's latency. Ready once it has read
 * everything the topic held when it started; until then it knows no team members, so a manager
 * sees less, never more.
 */
export class DirectoryRing implements TeamDirectory {
  private readonly state = new DirectoryState();
  private readonly tail: TopicTail;
  private ready = false;
  private invalidRecords = 0;
  private readonly listeners = new Set<() => void>();

  constructor(connection: KafkaConnection) {
    this.tail = new TopicTail(connection, [Topics.directory], { fromBeginning: true, retain: false, onRecord: (record) => this.apply(record.value) });
    void this.tail.caughtUp.then(() => {
      this.ready = true;
    });
  }

  async start(): Promise<void> {
    await this.tail.start();
  }

  async stop(): Promise<void> {
    await this.tail.stop();
  }

  /** False once the reader of the directory topic is dead for good (then changes would be missed). */
  liveness(): { readonly ok: boolean; readonly detail?: string } {
    return this.tail.liveness();
  }

  get isReady(): boolean {
    return this.ready;
  }

  get size(): number {
    return this.state.size;
  }

  get rejectedRecords(): number {
    return this.invalidRecords;
  }

  csmsOfTeam(team: string): ReadonlySet<string> {
    return this.state.csmsOfTeam(team);
  }

  teamOfCsm(csmId: string): string | null {
    return this.state.teamOfCsm(csmId);
  }

  managersOf(team: string): readonly string[] {
    return this.state.managersOf(team);
  }

  /**
   * Calls `listener` after every directory change applied (e.g. so open streams re-check who may
   * still see them). Returns the function that unsubscribes it.
   */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private apply(value: unknown): void {
    const result = validateDirectoryRecord(value);
    if (!result.ok) {
      this.invalidRecords += 1;
      return;
    }
    if (!this.state.apply(result.value)) return;
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // A listener's failure is its own: the ring keeps reading, or it would miss later changes.
      }
    }
  }
}
