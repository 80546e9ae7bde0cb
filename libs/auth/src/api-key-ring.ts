import { type Observable, Subject } from 'rxjs';
import { Topics, validateApiKeyRecord, type ApiKeyRecord } from '@bellwether/contracts';
import { CompactedTopicReader, decoderFrom, type KafkaConnection } from '@bellwether/kafka';
import { parseKey, secretMatches } from './api-key-secret';
import { principalOf, type KeyVerifier, type Principal, type Verification } from './principal';

/**
 * Every API key's latest record, read from the compacted `bellwether.api-keys.v1` into memory
 * (a few hundred bytes a key). Revocations and rotations arrive within the topic's latency.
 * Ready once it has read everything the topic held when it started (a `CompactedTopicReader`).
 */
export class ApiKeyRing implements KeyVerifier {
  private readonly keys = new Map<string, ApiKeyRecord>();
  private readonly reader: CompactedTopicReader<ApiKeyRecord, readonly string[]>;
  private readonly changed = new Subject<readonly string[]>();

  /**
   * Ids of keys whose record changed (created, revoked, rotated, scopes or team edited), emitted
   * right after the ring applied the change. Long-lived requests (SSE streams) re-check their
   * access on it, so a revoke or rotate ends them at once instead of at the next poll.
   */
  readonly changes$: Observable<readonly string[]> = this.changed.asObservable();

  constructor(connection: KafkaConnection) {
    this.reader = new CompactedTopicReader(connection, { topic: Topics.apiKeys, decode: decoderFrom(validateApiKeyRecord), apply: (record) => this.apply(record) });
    this.reader.onChange((ids) => this.changed.next(ids));
  }

  async start(): Promise<void> {
    await this.reader.start();
  }

  async stop(): Promise<void> {
    await this.reader.stop();
    this.changed.complete();
  }

  /** False once the reader of the keys topic is dead for good (then revocations would be missed). */
  liveness(): { readonly ok: boolean; readonly detail?: string } {
    return this.reader.liveness();
  }

  get isReady(): boolean {
    return this.reader.isReady;
  }

  get size(): number {
    return this.keys.size;
  }

  get rejectedRecords(): number {
    return this.reader.rejectedRecords;
  }

  async verify(plaintext: string | null): Promise<Verification> {
    if (!plaintext) return { ok: false, reason: 'missing' };
    const principal = this.principalFor(plaintext);
    return principal ? { ok: true, principal } : { ok: false, reason: 'invalid' };
  }

  /**
   * The principal a presented key stands for now, from its latest record; null once the key is
   * unknown, revoked or rotated (its secret no longer matches). Synchronous: live streams re-check
   * with it on every change.
   */
  principalFor(plaintext: string): Principal | null {
    const parsed = parseKey(plaintext);
    const record = parsed ? this.keys.get(parsed.id) : undefined;
    if (!parsed || !record || record.revoked || !secretMatches(parsed.secret, record.secretSha256)) return null;
    return principalOf(record);
  }

  /** Keeps a key's newest record; returns the ids that changed (for `changes$`), or null. */
  private apply(record: ApiKeyRecord): readonly string[] | null {
    const current = this.keys.get(record.id);
    if (current && current.updatedAt > record.updatedAt) return null;
    this.keys.set(record.id, record);
    return [record.id];
  }
}
