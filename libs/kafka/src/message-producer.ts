import { CompressionTypes, type Producer } from 'kafkajs';
import type { KafkaConnection } from './kafka-connection';
import { kafkaMetrics } from './metrics';

export interface OutgoingRecord {
  readonly key: string | null;
  /** Serialized as JSON. */
  readonly value: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A record whose value its caller already serialized as JSON text (once, e.g. to size it before the send). */
export interface SerializedRecord {
  readonly key: string | null;
  /** The value as JSON text, sent as its UTF-8 bytes. */
  readonly json: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Idempotent producer with acks=all: `send` resolves only when every record is durably in the
 * in-sync replicas, so callers may answer "accepted" (or mark an outbox row sent) after it.
 */
export class MessageProducer {
  private producer: Producer;
  private connected = false;
  /** Set by a failed send: the next send starts from a new producer (see `recycle`). */
  private stale = false;

  /** `retries`: attempts of one produce request inside kafkajs before `send` fails (KAFKA_PRODUCER_RETRIES). */
  constructor(
    private readonly connection: KafkaConnection,
    private readonly options: { readonly retries?: number } = {},
  ) {
    this.producer = this.create();
  }

  private create(): Producer {
    return this.connection.client.producer({
      idempotent: true,
      maxInFlightRequests: 5,
      allowAutoTopicCreation: false,
      retry: { retries: this.options.retries ?? 5, initialRetryTime: 100, maxRetryTime: 2000 },
    });
  }

  /**
   * kafkajs 2.2.4's idempotent producer keeps its producer id and sequence numbers after a failed
   * send; once the broker restarted it then fails every send with "out of order sequence number"
   * (tulios/kafkajs#598, found by the chaos run). A new producer gets a new id and starts clean.
   */
  private async recycle(): Promise<void> {
    const old = this.producer;
    this.producer = this.create();
    this.stale = false;
    await old.disconnect().catch(() => undefined);
    if (this.connected) await this.producer.connect();
  }

  private async withFreshProducerOnFailure(send: (producer: Producer) => Promise<unknown>): Promise<void> {
    if (this.stale) await this.recycle();
    try {
      await send(this.producer);
    } catch (error) {
      this.stale = true;
      throw error;
    }
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** `topic` is the contract name; the connection's namespace is applied here. Values are serialized as JSON. */
  async send(topic: string, records: readonly OutgoingRecord[], options: { timeoutMs?: number } = {}): Promise<void> {
    await this.sendSerialized(
      topic,
      records.map((record) => ({ key: record.key, json: JSON.stringify(record.value), ...(record.headers ? { headers: record.headers } : {}) })),
      options,
    );
  }

  /** Like `send`, for values already serialized as JSON text (a caller that needed the text anyway saves a second `JSON.stringify`). */
  async sendSerialized(topic: string, records: readonly SerializedRecord[], options: { timeoutMs?: number } = {}): Promise<void> {
    if (records.length === 0) return;
    await this.withFreshProducerOnFailure((producer) => producer.send({
      topic: this.connection.topic(topic),
      acks: -1,
      timeout: options.timeoutMs ?? 10000,
      compression: CompressionTypes.None,
      messages: records.map((record) => ({
        key: record.key,
        value: record.json,
        headers: record.headers ? { ...record.headers } : undefined,
      })),
    }));
    kafkaMetrics.produced.inc({ topic }, records.length);
  }

  /** Sends raw bytes unchanged (dead letters keep the original value). */
  async sendRaw(topic: string, records: readonly { key: Buffer | null; value: Buffer | null; headers: Record<string, string> }[]): Promise<void> {
    if (records.length === 0) return;
    await this.withFreshProducerOnFailure((producer) => producer.send({ topic: this.connection.topic(topic), acks: -1, messages: records.map((record) => ({ ...record })) }));
    kafkaMetrics.produced.inc({ topic }, records.length);
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.producer.disconnect();
  }
}
