import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';

/** A request body refused before it reached a controller; answered with this status and message. */
export class BodyParseError extends Error {
  constructor(
    message: string,
    readonly statusCode: 400 | 413 | 415,
  ) {
    super(message);
  }
}

/** How much of a request body ingestion reads. */
export interface BodyLimits {
  /**
   * Largest body, bytes, counted after decompression (Segment's 500 KB per request). A compressed
   * body is refused as soon as either its wire size or its inflated size passes this.
   */
  readonly maxBodyBytes: number;
  /**
   * How many bytes of a refused body are still read and thrown away before answering, so that a
   * client still writing its body reads the 4xx instead of EPIPE/ECONNRESET (and retrying the same
   * batch forever). A body that goes on past this gets the answer and a closed connection.
   */
  readonly maxDrainBytes: number;
}

/**
 * Media types whose uncompressed bodies are read as JSON. `text/plain` is what browsers send for
 * `navigator.sendBeacon(url, string)` and for CORS-free `fetch` calls.
 */
const jsonCarrierTypes = new Set(['application/json', 'text/json', 'text/plain']);

type BodyEncoding = 'identity' | 'gzip';

/**
 * The body's `Content-Encoding`: none/identity or gzip (`x-gzip` is its old alias, RFC 9110
 * §8.4.1.3). Anything else, or gzip applied twice, is refused with 415.
 */
export function bodyEncodingOf(headers: IncomingHttpHeaders): BodyEncoding {
  const codings = (headers['content-encoding'] ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length === 0) return 'identity';
  if (codings.length === 1 && (codings[0] === 'gzip' || codings[0] === 'x-gzip')) return 'gzip';
  throw new BodyParseError(`unsupported Content-Encoding "${headers['content-encoding']}"; send gzip or no encoding`, 415);
}

/**
 * Uncompressed bodies must be declared as JSON or plain text. A gzip body is accepted whatever
 * type it names: RudderStack's Node SDK gzips by default and lets axios label the buffer
 * `application/x-www-form-urlencoded`.
 */
function checkContentType(headers: IncomingHttpHeaders, encoding: BodyEncoding): void {
  if (encoding === 'gzip') return;
  const mediaType = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!jsonCarrierTypes.has(mediaType)) {
    throw new BodyParseError(`unsupported content type${mediaType ? ` "${mediaType}"` : ''}; send application/json (or text/plain holding JSON, or any type with Content-Encoding: gzip)`, 415);
  }
}

const tooLarge = (limits: BodyLimits, what: string) => new BodyParseError(`request body is larger than the limit of ${limits.maxBodyBytes} bytes${what}`, 413);

/**
 * Reads a request body into memory, inflating gzip as it streams in and stopping at
 * `maxBodyBytes` of output, so a zip bomb costs at most the limit in memory. Refusals (415 for
 * the content type or encoding, 413 for the size, 400 for broken gzip) reject only once the client
 * has finished sending, up to `maxDrainBytes` (see BodyLimits). Resolves with the decoded bytes.
 * `createInflater` is there for tests that watch how much gets inflated.
 */
export function readRequestBody(stream: Readable, headers: IncomingHttpHeaders, limits: BodyLimits, createInflater: () => Gunzip = createGunzip): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    let refusal: BodyParseError | null = null;
    let encoding: BodyEncoding = 'identity';
    try {
      encoding = bodyEncodingOf(headers);
      checkContentType(headers, encoding);
    } catch (error) {
      refusal = error as BodyParseError;
    }
    const declaredLength = Number(headers['content-length']);
    if (!refusal && declaredLength > limits.maxBodyBytes) refusal = tooLarge(limits, '');

    const chunks: Buffer[] = [];
    let receivedBytes = 0;
    let inflatedBytes = 0;
    let discardedBytes = 0;
    let sourceEnded = false;
    let settled = false;
    let inflater: Gunzip | null = null;

    const settle = (error: BodyParseError | null, body?: Buffer) => {
      if (settled) return;
      settled = true;
      stream.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      // Given up on a body still arriving: stop reading it (the answer closes the connection).
      if (!sourceEnded) stream.pause();
      inflater?.destroy();
      if (error) reject(error);
      else resolve(body ?? Buffer.alloc(0));
    };
    const refuse = (error: BodyParseError) => {
      if (refusal) return;
      refusal = error;
      chunks.length = 0;
      inflater?.destroy();
      if (sourceEnded) settle(error);
    };
    const onData = (chunk: Buffer) => {
      if (refusal) {
        discardedBytes += chunk.length;
        if (discardedBytes > limits.maxDrainBytes) settle(refusal);
        return;
      }
      receivedBytes += chunk.length;
      if (receivedBytes > limits.maxBodyBytes) return refuse(tooLarge(limits, ''));
      if (inflater) inflater.write(chunk);
      else chunks.push(chunk);
    };
    const onEnd = () => {
      sourceEnded = true;
      if (refusal) return settle(refusal);
      if (!inflater || receivedBytes === 0) return settle(null, Buffer.concat(chunks));
      inflater.end();
    };
    const onError = (error: Error) => settle(refusal ?? new BodyParseError(`request body could not be read: ${error.message}`, 400));
    // An aborted request closes without 'end'; nobody is left to answer, but the promise settles.
    const onClose = () => {
      if (!sourceEnded) settle(refusal ?? new BodyParseError('the client closed the request before its body was complete', 400));
    };

    if (refusal && declaredLength > limits.maxDrainBytes) return settle(refusal);
    if (!refusal && encoding === 'gzip') {
      inflater = createInflater();
      inflater.on('data', (output: Buffer) => {
        if (refusal) return;
        inflatedBytes += output.length;
        if (inflatedBytes > limits.maxBodyBytes) refuse(tooLarge(limits, ' after decompression'));
        else chunks.push(output);
      });
      inflater.on('end', () => {
        if (!refusal) settle(null, Buffer.concat(chunks));
      });
      inflater.on('error', () => refuse(new BodyParseError('request body is not valid gzip', 400)));
    }
    stream.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
    stream.resume();
  });
}
