import type { FastifyInstance } from 'fastify';

/**
 * Headers every answer carries (issue 13):
 * - `X-Content-Type-Options: nosniff`: a browser never guesses a type other than the one sent;
 * - `Cache-Control: no-store`: answers to keyed requests hold books, alerts and key lists, and no
 *   browser or shared cache may keep them. Every route gets it unless it sets its own (an
 *   unauthenticated answer loses nothing by not being cached, and a default cannot miss a route).
 *
 * A tiny hook rather than @fastify/helmet: helmet is not installed, and most of its headers (CSP,
 * frame options) are for HTML pages, which these JSON APIs never serve. The headers go on the raw
 * response in `onRequest`, so they also reach answers written outside Fastify's reply, such as
 * Nest's server-sent event streams (those keep their own, stricter Cache-Control).
 */
export const securityHeaders: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
};

export function installSecurityHeaders(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (_request, reply, done) => {
    for (const [name, value] of Object.entries(securityHeaders)) reply.raw.setHeader(name, value);
    done();
  });
}
