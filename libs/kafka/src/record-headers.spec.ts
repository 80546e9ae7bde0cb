import type { IHeaders } from 'kafkajs';
import { headersOf } from './record-headers';

type RecordEncoder = (record: { key: Buffer | null; value: Buffer | null; headers: Record<string, string | Buffer | (string | Buffer)[]> }) => { buffer: Buffer };
type RecordDecoder = (decoder: unknown, batchContext: { firstOffset: string; firstTimestamp: string }) => { headers: IHeaders };
type DecoderClass = new (buffer: Buffer) => { readVarIntBytes(): Buffer };
type EncoderClass = new () => EncoderChain;
interface EncoderChain {
  readonly buffer: Buffer;
  writeInt8(value: number): EncoderChain;
  writeVarInt(value: number): EncoderChain;
  writeVarLong(value: number): EncoderChain;
  writeVarIntBytes(value: Buffer | null): EncoderChain;
  writeVarIntArray(items: readonly EncoderChain[]): EncoderChain;
}
type HeaderEncoder = (header: { key: string; value: Buffer | null }) => EncoderChain;

/**
 * A record's headers as kafkajs hands them to a consumer: written by its producer's record encoder
 * and read back by its fetch path's record decoder (kafkajs 2.2.4, protocol/recordBatch/record/v0).
 */
function headersAsConsumed(headers: Record<string, string | Buffer | (string | Buffer)[]>): IHeaders {
  const encodeRecord = jest.requireActual<RecordEncoder>('kafkajs/src/protocol/recordBatch/record/v0');
  const decodeRecord = jest.requireActual<RecordDecoder>('kafkajs/src/protocol/recordBatch/record/v0/decoder');
  const Decoder = jest.requireActual<DecoderClass>('kafkajs/src/protocol/decoder');
  const bytes = new Decoder(encodeRecord({ key: null, value: Buffer.from('{}'), headers }).buffer).readVarIntBytes();
  return decodeRecord(new Decoder(bytes), { firstOffset: '0', firstTimestamp: '0' }).headers;
}

describe('headersOf', () => {
  // kafkajs folds headers with `obj[key] === undefined ? value : [obj[key], value]`: a header named
  // like an inherited member arrives as [<that member>, value]. The first entry used to be taken
  // ("function Object() { [native code] }", "[object Object]"), and `flat["__proto__"] = …` dropped it.
  it.each(['__proto__', 'constructor', 'hasOwnProperty', 'toString'])('keeps a header named %s with its value, as an own key', (name) => {
    const headers = headersOf(headersAsConsumed({ [name]: 'v-1', trace: ['a', 'b'] }));
    expect(Object.hasOwn(headers, name)).toBe(true);
    expect(Object.entries(headers)).toEqual([[name, 'v-1'], ['trace', 'a']]);
    expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
  });

  // A header sent without a value (length -1: other clients send them; kafkajs's own producer cannot)
  // is decoded as null: `null.toString()` threw a TypeError before the handler ran, so the batch
  // was never committed and the partition stalled on it.
  it('leaves out a header without a value', () => {
    const Encoder = jest.requireActual<EncoderClass>('kafkajs/src/protocol/encoder');
    const encodeHeader = jest.requireActual<HeaderEncoder>('kafkajs/src/protocol/recordBatch/header/v0');
    const decodeRecord = jest.requireActual<RecordDecoder>('kafkajs/src/protocol/recordBatch/record/v0/decoder');
    const Decoder = jest.requireActual<DecoderClass>('kafkajs/src/protocol/decoder');
    // A record body as the broker returns it (its length prefix already read): attributes, timestamp and offset deltas, key, value, headers.
    const body = new Encoder()
      .writeInt8(0)
      .writeVarLong(0)
      .writeVarInt(0)
      .writeVarIntBytes(null)
      .writeVarIntBytes(Buffer.from('{}'))
      .writeVarIntArray([encodeHeader({ key: 'empty', value: null }), encodeHeader({ key: 'bw-event-id', value: Buffer.from('e-1') })]);
    const { headers } = decodeRecord(new Decoder(body.buffer), { firstOffset: '0', firstTimestamp: '0' });
    expect(headers).toEqual({ empty: null, 'bw-event-id': Buffer.from('e-1') });
    expect(headersOf(headers)).toEqual({ 'bw-event-id': 'e-1' });
  });
});
