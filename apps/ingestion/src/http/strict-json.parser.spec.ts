import { Readable } from 'node:stream';
import { createGunzip, gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { readRequestBody, type BodyLimits } from './request-body.reader';
import { useStrictJsonBodies } from './strict-json.parser';

const limits: BodyLimits = { maxBodyBytes: 64 * 1024, maxDrainBytes: 512 * 1024 };
const batch = { batch: [{ type: 'track', userId: 'u1', event: 'Feature Used' }] };

/** A bare Fastify with ingestion's body parser and an echo route; answers like the error filter. */
async function echoServer(): Promise<FastifyInstance> {
  const fastify = Fastify();
  useStrictJsonBodies(fastify, limits);
  fastify.post('/echo', async (request) => ({ body: request.body }));
  fastify.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    void reply.status(error.statusCode ?? 500).send({ message: error.message });
  });
  await fastify.ready();
  return fastify;
}

describe('request bodies (content types, encodings, limits)', () => {
  let fastify: FastifyInstance;
  beforeAll(async () => {
    fastify = await echoServer();
  });
  afterAll(() => fastify.close());

  const post = (payload: string | Buffer, headers: Record<string, string>) => fastify.inject({ method: 'POST', url: '/echo', payload, headers });

  it.each([
    ['application/x-www-form-urlencoded', 'what RudderStack\'s Node SDK (axios) sends with its default gzip'],
    ['application/json', 'a gzip JSON body'],
    ['text/plain', 'a gzip beacon'],
  ])('accepts a gzip body sent as %s (%s)', async (contentType) => {
    const response = await post(gzipSync(JSON.stringify(batch)), { 'content-type': contentType, 'content-encoding': 'gzip' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ body: batch });
  });

  it('accepts a gzip body without a content type, and the x-gzip alias', async () => {
    expect((await post(gzipSync(JSON.stringify(batch)), { 'content-encoding': 'gzip' })).json()).toEqual({ body: batch });
    expect((await post(gzipSync(JSON.stringify(batch)), { 'content-type': 'application/json', 'content-encoding': 'x-gzip' })).json()).toEqual({ body: batch });
  });

  it('accepts text/plain bodies that hold JSON (navigator.sendBeacon sends a string as text/plain;charset=UTF-8)', async () => {
    const response = await post(JSON.stringify(batch), { 'content-type': 'text/plain;charset=UTF-8' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ body: batch });
  });

  it.each([
    ['an unknown encoding', 'br', 'application/json', 415, /unsupported Content-Encoding "br"/],
    ['gzip applied twice', 'gzip, gzip', 'application/json', 415, /unsupported Content-Encoding/],
    ['an uncompressed form body', '', 'application/x-www-form-urlencoded', 415, /unsupported content type "application\/x-www-form-urlencoded"/],
  ])('refuses %s with %s', async (_, encoding, contentType, status, message) => {
    const response = await post(JSON.stringify(batch), { 'content-type': contentType, ...(encoding ? { 'content-encoding': encoding } : {}) });
    expect(response.statusCode).toBe(status);
    expect(response.json<{ message: string }>().message).toMatch(message);
  });

  it('keeps the strict checks on the decompressed bytes: bad gzip, bad UTF-8, __proto__, empty', async () => {
    const gzipHeaders = { 'content-type': 'application/json', 'content-encoding': 'gzip' };
    const cases: [Buffer, RegExp][] = [
      [Buffer.from('not gzip at all'), /not valid gzip/],
      [gzipSync(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])), /not valid UTF-8/],
      [gzipSync('{"batch":[],"__proto__":{"admin":true}}'), /__proto__/],
      [gzipSync(''), /empty/],
      [gzipSync('{"batch": ['), /not valid JSON/],
    ];
    for (const [payload, message] of cases) {
      const response = await post(payload, gzipHeaders);
      expect([response.statusCode, response.json<{ message: string }>().message]).toEqual([400, expect.stringMatching(message)]);
    }
  });

  it('applies the limit to the decompressed size: a small gzip body that inflates past it gets 413', async () => {
    const inflatesTo = JSON.stringify({ batch: [{ type: 'track', userId: 'u', event: 'e', properties: { blob: 'x'.repeat(limits.maxBodyBytes) } }] });
    const compressed = gzipSync(inflatesTo);
    expect(compressed.length).toBeLessThan(limits.maxBodyBytes);
    const response = await post(compressed, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(response.statusCode).toBe(413);
    expect(response.json<{ message: string }>().message).toMatch(/after decompression/);
  });
});

describe('readRequestBody', () => {
  /** A request body arriving in chunks; `ended()` tells whether the reader consumed all of it. */
  function body(chunks: Buffer[]): Readable {
    return Readable.from(chunks, { objectMode: false });
  }

  it('stops inflating a zip bomb at the limit instead of inflating it into memory', async () => {
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024)); // 16 MiB of zeros, ~16 KiB compressed
    const roomy: BodyLimits = { maxBodyBytes: 1024 * 1024, maxDrainBytes: 1024 * 1024 };
    expect(bomb.length).toBeLessThan(roomy.maxBodyBytes);
    let inflated = 0;
    const watchedGunzip = () => createGunzip().on('data', (chunk: Buffer) => (inflated += chunk.length));
    await expect(readRequestBody(body([bomb]), { 'content-encoding': 'gzip' }, roomy, watchedGunzip)).rejects.toMatchObject({ statusCode: 413 });
    expect(inflated).toBeGreaterThan(roomy.maxBodyBytes);
    expect(inflated).toBeLessThan(2 * roomy.maxBodyBytes);
  });

  it('reads the rest of a body over the limit before refusing it, so the client is not cut off mid-send', async () => {
    const chunks = Array.from({ length: 10 }, () => Buffer.alloc(16 * 1024, 0x20));
    const stream = body(chunks);
    const headers = { 'content-type': 'application/json', 'content-length': String(10 * 16 * 1024) };
    const refusal = await readRequestBody(stream, headers, limits).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ statusCode: 413 });
    expect(stream.readableEnded).toBe(true);
  });

  it('also reads the rest before a 415', async () => {
    const stream = body([Buffer.from('a=1&'), Buffer.from('b=2')]);
    await expect(readRequestBody(stream, { 'content-type': 'application/x-www-form-urlencoded' }, limits)).rejects.toMatchObject({ statusCode: 415 });
    expect(stream.readableEnded).toBe(true);
  });

  it('gives up reading after maxDrainBytes and refuses at once', async () => {
    let sent = 0;
    const stream = Readable.from(
      (function* () {
        for (; sent < 256; sent += 1) yield Buffer.alloc(16 * 1024, 0x20); // 4 MiB; the drain cap is 512 KiB
      })(),
    );
    await expect(readRequestBody(stream, { 'content-type': 'application/json' }, limits)).rejects.toMatchObject({ statusCode: 413 });
    expect(sent * 16 * 1024).toBeLessThan(limits.maxBodyBytes + limits.maxDrainBytes + 64 * 1024);
    stream.destroy();
  });

  it('refuses at once when the declared length is beyond what it would drain', async () => {
    const stream = body([Buffer.from('{}')]);
    await expect(readRequestBody(stream, { 'content-type': 'application/json', 'content-length': String(10 * 1024 * 1024) }, limits)).rejects.toMatchObject({ statusCode: 413 });
    expect(stream.readableEnded).toBe(false);
    stream.destroy();
  });
});
