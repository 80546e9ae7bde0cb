import Fastify from 'fastify';
import { installSecurityHeaders } from './security-headers';

describe('installSecurityHeaders', () => {
  const app = Fastify();
  installSecurityHeaders(app);
  app.get('/plain', async () => ({ ok: true }));
  app.get('/cacheable', async (_request, reply) => reply.header('Cache-Control', 'public, max-age=60').send({ ok: true }));
  app.get('/raw', (_request, reply) => {
    reply.raw.writeHead(200, { 'Content-Type': 'text/event-stream' });
    reply.raw.end('\n');
  });

  afterAll(() => app.close());

  it('marks every answer nosniff and no-store', async () => {
    const response = await app.inject({ method: 'GET', url: '/plain' });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('also on answers that bypass the reply (server-sent events) and on 404s', async () => {
    for (const url of ['/raw', '/missing']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('leaves a route its own Cache-Control', async () => {
    const response = await app.inject({ method: 'GET', url: '/cacheable' });
    expect(response.headers['cache-control']).toBe('public, max-age=60');
  });
});
