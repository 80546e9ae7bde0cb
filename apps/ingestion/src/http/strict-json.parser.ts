import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';

/** A body-parsing failure, answered 400 (or 415) by the HTTP error filter with this message. */
class BodyParseError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON bodies only, strictly: bytes must be valid UTF-8 (Node would silently turn bad bytes into
 * U+FFFD), `__proto__` and `constructor.prototype` keys are refused (prototype poisoning), and
 * an empty body is an error. Every other content type is answered 415.
 */
export function useStrictJsonBodies(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(['application/json', 'text/json'], { parseAs: 'buffer' }, (_request, body: Buffer, done) => {
    if (body.length === 0) return done(new BodyParseError('request body is empty', 400), undefined);
    let text: string;
    try {
      text = strictUtf8.decode(body);
    } catch {
      return done(new BodyParseError('request body is not valid UTF-8', 400), undefined);
    }
    try {
      done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch (error) {
      const message = error instanceof Error && /prototype/.test(error.message) ? 'request body contains a forbidden __proto__ or constructor.prototype key' : `request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
      done(new BodyParseError(message, 400), undefined);
    }
  });
}
