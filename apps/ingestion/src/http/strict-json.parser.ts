import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import { BodyParseError, readRequestBody, type BodyLimits } from './request-body.reader';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses a decoded body strictly: bytes must be valid UTF-8 (Node would silently turn bad bytes
 * into U+FFFD), `__proto__` and `constructor.prototype` keys are refused (prototype poisoning),
 * and an empty body is an error. Throws BodyParseError (400).
 */
export function parseStrictJson(body: Buffer): unknown {
  if (body.length === 0) throw new BodyParseError('request body is empty', 400);
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    throw new BodyParseError('request body is not valid UTF-8', 400);
  }
  try {
    return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    const message = error instanceof Error && /prototype/.test(error.message) ? 'request body contains a forbidden __proto__ or constructor.prototype key' : `request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
    throw new BodyParseError(message, 400);
  }
}

/**
 * Every request body is read by one parser: JSON, or text/plain holding JSON, or anything
 * gzip-encoded (see readRequestBody for the content types, encodings and size limits). Fastify's
 * own body limit is not used: it answers 413 from the Content-Length while the client is still
 * sending, then closes the socket, and the client sees EPIPE instead of the 413.
 */
export function useStrictJsonBodies(fastify: FastifyInstance, limits: BodyLimits): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', async (request: FastifyRequest, payload: IncomingMessage) => parseStrictJson(await readRequestBody(payload, request.headers, limits)));
}
