import { ServiceChild, type ServiceName } from '../common/service-child';
import type { ChaosTarget } from './faults';

/**
 * One compiled service of the chaos run (see ServiceChild): its log appended to
 * <workDir>/logs/<service>-<port>.log across restarts, killed and started again by the faults.
 */
export class ChaosService extends ServiceChild implements ChaosTarget {
  constructor(name: ServiceName, port: number, env: Readonly<Record<string, string>>, workDir: string, buildDir: string, private readonly readyTimeoutMs = 120_000) {
    super(name, port, env, workDir, buildDir, `${name}-${port}.log`);
  }

  /** Resolves once /readyz answers 200; throws naming the log if the process exits or is not ready in time. */
  start(): Promise<void> {
    return this.launch([], this.readyTimeoutMs, () => `; see ${this.logPath}`);
  }
}
