import { collectDefaultMetrics, register } from 'prom-client';

let started = false;

/** Node process metrics (RSS, event loop lag, GC) with the service name as a label. */
export function startProcessMetrics(service: string): void {
  if (started) return;
  started = true;
  register.setDefaultLabels({ service });
  collectDefaultMetrics({ prefix: 'bellwether_' });
}
