import { Controller, Get, Header, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { register } from 'prom-client';
import { HealthRegistry } from './health.registry';

/**
 * `/healthz` (liveness: the process answers and no consumer loop is stalled or dead; a 503 asks
 * the orchestrator to restart it), `/readyz` (its dependencies answer and its consumer loop is
 * not retrying), `/metrics` (Prometheus).
 */
@Controller()
export class HealthController {
  constructor(private readonly registry: HealthRegistry) {}

  @Get('healthz')
  async liveness(@Res() reply: FastifyReply): Promise<void> {
    const { live, checks } = this.registry.liveness();
    await reply.status(live ? 200 : 503).send(live ? { status: 'ok' } : { status: 'not_live', checks });
  }

  @Get('readyz')
  async readiness(@Res() reply: FastifyReply): Promise<void> {
    const { ready, checks } = await this.registry.readiness();
    await reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  }

  @Get('metrics')
  @Header('Content-Type', register.contentType)
  async metrics(): Promise<string> {
    return register.metrics();
  }
}
