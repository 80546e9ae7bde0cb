import { type DirectoryRecord, Topics, validateDirectoryRecord } from '@bellwether/contracts';
import { CompactedTopicReader, decoderFrom, type KafkaConnection } from '@bellwether/kafka';
import { type CsmAddresses, DirectoryState, type TeamDirectory } from './directory';

/**
 * The directory of CSMs and teams, read from the compacted `bellwether.directory.v1` into memory
 * (like `ApiKeyRing`, a `CompactedTopicReader`). Changes arrive within the topic's latency. Ready once it has read
 * everything the topic held when it started; until then it knows no team members, so a manager
 * sees less, never more.
 */
export class DirectoryRing implements TeamDirectory, CsmAddresses {
  private readonly state = new DirectoryState();
  private readonly reader: CompactedTopicReader<DirectoryRecord, true>;

  constructor(connection: KafkaConnection) {
    this.reader = new CompactedTopicReader(connection, {
      topic: Topics.directory,
      decode: decoderFrom(validateDirectoryRecord),
      apply: (record) => (this.state.apply(record) ? true : null),
    });
  }

  async start(): Promise<void> {
    await this.reader.start();
  }

  async stop(): Promise<void> {
    await this.reader.stop();
  }

  /** False once the reader of the directory topic is dead for good (then changes would be missed). */
  liveness(): { readonly ok: boolean; readonly detail?: string } {
    return this.reader.liveness();
  }

  get isReady(): boolean {
    return this.reader.isReady;
  }

  /** Resolves once everything the topic held at start has been read (see `CompactedTopicReader.caughtUp`). */
  get caughtUp(): Promise<void> {
    return this.reader.caughtUp;
  }

  get size(): number {
    return this.state.size;
  }

  get rejectedRecords(): number {
    return this.reader.rejectedRecords;
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

  /** The CSM's email address, once its record has been read (before that, null: the fallback applies). */
  emailOfCsm(csmId: string): string | null {
    return this.state.emailOfCsm(csmId);
  }

  /**
   * Calls `listener` after every directory change applied (e.g. so open streams re-check who may
   * still see them). Returns the function that unsubscribes it.
   */
  onChange(listener: () => void): () => void {
    return this.reader.onChange(() => listener());
  }
}
