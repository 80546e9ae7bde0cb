import { Controller, Get, HttpCode, Inject, Post, Req, UseGuards } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { ApiKeyGuard, DirectoryRing, mayUseQueue, RateLimitClass, RateLimitGuard, RequireScope, type AuthenticatedRequest } from '@bellwether/auth';
import { Clock, OutboxRelay, RequestRejected, pathIdParams, requestSchemas, SERVICE_DATA_SOURCE, ValidBody, ValidParams, ValidQuery } from '@bellwether/platform';
import { PlaybookRunner } from '../runs/playbook-runner.service';
import { TaskRepository, type TaskRow } from './task.repository';

const QUEUE = /^(csm|team|manager):[A-Za-z0-9_.-]{1,100}$/;

const queueParams = pathIdParams('queue');
const taskParams = pathIdParams('id');
const listQuery = { type: 'object', additionalProperties: false, properties: { status: { enum: ['open', 'done'] } } };
const completeBody = { type: 'object', additionalProperties: false, properties: { note: requestSchemas.note } };

/**
 * Playbook tasks sit in the same queues as alerts (`/v1/queues/{queue}/tasks` next to
 * `/v1/queues/{queue}/alerts`), with the same rules on who may see and work a queue.
 */
@Controller('v1')
@UseGuards(ApiKeyGuard, RateLimitGuard)
@RateLimitClass('read')
export class TasksController {
  constructor(
    @Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly directory: DirectoryRing,
    private readonly runner: PlaybookRunner,
    private readonly relay: OutboxRelay,
    private readonly tasks: TaskRepository,
    private readonly clock: Clock,
  ) {}

  /** The open (default) or done tasks of a queue the key may read, due first, at most 200; 404 for any other queue. */
  @Get('queues/:queue/tasks')
  @RequireScope('integrator', 'csm', 'manager')
  async list(
    @ValidParams(queueParams) { queue }: { queue: string },
    @ValidQuery(listQuery) { status }: { status?: 'open' | 'done' },
    @Req() request: AuthenticatedRequest,
  ): Promise<{ queue: string; tasks: TaskRow[] }> {
    if (!QUEUE.test(queue) || !request.principal || !mayUseQueue(request.principal, queue, 'read', (team) => this.directory.csmsOfTeam(team))) {
      throw new RequestRejected(404, [{ path: 'queue', message: `no queue ${queue.slice(0, 100)} visible to this key` }]);
    }
    return { queue, tasks: await this.tasks.listQueue(this.dataSource.manager, queue, status ?? 'open', 200) };
  }

  /** Completes a task the key may act on (404 otherwise, 409 when done already) and records the step done. */
  @Post('tasks/:id/complete')
  @HttpCode(200)
  @RateLimitClass('action')
  @RequireScope('csm', 'manager')
  async complete(@ValidParams(taskParams) { id }: { id: string }, @ValidBody(completeBody) { note }: { note?: string }, @Req() request: AuthenticatedRequest): Promise<TaskRow> {
    const principal = request.principal;
    const task = await this.dataSource.transaction(async (manager) => {
      const found = await this.tasks.findForUpdate(manager, id);
      if (!found || !principal || !mayUseQueue(principal, found.queue, 'act', (team) => this.directory.csmsOfTeam(team))) {
        throw new RequestRejected(404, [{ path: 'id', message: 'no task with this id this key may act on' }]);
      }
      if (found.status === 'done') throw new RequestRejected(409, [{ path: '', message: 'the task is already done' }]);
      await this.tasks.complete(manager, id, principal.keyId, note ?? null);
      // A person's action keeps the wall time they acted at, in every CLOCK_MODE: it drives no
      // timer (waits and due dates follow the pipeline clock), it records when the work was done.
      await this.runner.taskCompleted(manager, found, this.clock.nowIso());
      return (await this.tasks.findForUpdate(manager, id)) as TaskRow;
    });
    this.relay.nudge();
    return task;
  }
}
