import { type Observable, Subject } from 'rxjs';
import { Topics, validateApiKeyRecord, type ApiKeyRecord } from '@bellwether/contracts';
import { type KafkaConnection, TopicTail } from '@bellwether/kafka';
import { parseKey, secretMatches } from './api-key-secret';
import { principalOf, type KeyVerifier, type Principal, type Verification } from './principal';

/**
 * Every API key's latest record, read from the compacted `bellwether.api-keys.v1` into memory
 * (a few hundred bytes a key). Revocations and rotations arrive within the topic's latency.
 * Ready once it has read everything the topic held when it started.
 */
export class ApiKeyRing implements KeyVerifier {
  private readonly keys = new Map<string, ApiKeyRecord>();
  private readonly tail: TopicTail;
  private ready = false;
  private invalidRecords = 0;
  private readonly changed = new Subject<readonly string[]>();

  /**
   * Ids of keys whose record changed (created, revoked, rotated, scopes or team edited), emitted
   * right after the ring applied the change. Long-lived requests (SSE streams) re-check their
   * access on it, so a revoke or rotate ends them at once instead of at the next poll.
   */
  readonly changes$: Observable<readonly string[]> = this.changed.asObservable();

  constructor(connection: KafkaConnection) {
    this.tail = new TopicTail(connection, [Topics.apiKeys], { fromBeginning: true, retain: false, onRecord: (record) => this.apply(record.value) });
    void this.tail.caughtUp.then(() => {
      this.ready = true;
    });
  }

  async start(): Promise<void> {
    await this.tail.start();
  }

  async stop(): Promise<void> {
    await this.tail.stop();
    this.changed.complete();
  }

  /** False once the reader of the keys topic is dead for good (then revocations would be missed). */
  liveness(): { readonly ok: boolean; readonly detail?: string } {
    return this.tail.liveness();
  }

  get isReady(): boolean {
    return this.ready;
  }

  get size(): number {
    return this.keys.size;
  }

  get rejectedRecords(): number {
    return this.invalidRecords;
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

  private apply(value: unknown): void {
    const result = validateApiKeyRecord(value);
    if (!result.ok) {
      this.invalidRecords += 1;
      return;
    }
    const current = this.keys.get(result.value.id);
    if (!current || current.updatedAt <= result.value.updatedAt) {
      this.keys.set(result.value.id, result.value);
      this.changed.next([result.value.id]);
    }
  }
}
