import { HealthRegistry } from './health.registry';

describe('HealthRegistry liveness', () => {
  it('is live with no liveness checks, and a dependency being down does not touch it', async () => {
    const registry = new HealthRegistry();
    registry.register('database', () => ({ ok: false, detail: 'connection refused' }));
    expect(registry.liveness().live).toBe(true);
    expect((await registry.readiness()).ready).toBe(false);
  });

  it('is not live when a liveness check fails, naming it', () => {
    const registry = new HealthRegistry();
    registry.registerLiveness('consumer', () => ({ ok: false, detail: 'stalled: no batch finished and no poll for 130 s' }));
    expect(registry.liveness()).toEqual({ live: false, checks: { consumer: { ok: false, detail: 'stalled: no batch finished and no poll for 130 s' } } });
  });
});
