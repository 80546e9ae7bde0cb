import { type DynamicModule, Global, Injectable, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { KafkaConnection } from '@bellwether/kafka';
import { HealthRegistry } from '../health/health.registry';
import { Clock } from './clock';
import { PipelineClock } from './pipeline-clock';
import type { ClockMode } from '@bellwether/contracts';

@Injectable()
class PipelineClockLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly clock: PipelineClock,
    private readonly health: HealthRegistry,
  ) {}

  /** After every module's init: the Kafka module has created the topics by then. */
  async onApplicationBootstrap(): Promise<void> {
    this.health.register('pipeline-clock', () => this.clock.readiness());
    this.health.registerLiveness('pipeline-clock', () => this.clock.liveness());
    await this.clock.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.clock.stop();
  }
}

/**
 * The `PipelineClock` of a service whose timers follow pipeline time (alerting, playbook). Needs
 * `KafkaClientModule` and `ObservabilityModule` (whose `Clock` it reads in wall mode); `mode` is the service's `CLOCK_MODE`.
 */
@Global()
@Module({})
export class PipelineClockModule {
  static forRoot(options: { readonly mode: ClockMode }): DynamicModule {
    return {
      module: PipelineClockModule,
      providers: [
        {
          provide: PipelineClock,
          inject: [KafkaConnection, Clock],
          useFactory: (connection: KafkaConnection, clock: Clock) => new PipelineClock(options.mode, connection, () => clock.nowMs()),
        },
        PipelineClockLifecycle,
      ],
      exports: [PipelineClock],
    };
  }
}
