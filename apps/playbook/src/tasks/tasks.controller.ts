import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { ApiKeyGuard, DirectoryRing, mayUseQueue, RequireScope, type AuthenticatedRequest } from '@bellwether/auth';
import { OutboxRelay, RequestRejected, SERVICE_DATA_SOURCE } from '@bellwether/platform';
import { PlaybookRunner } from '../runs/playbook-runner.service';
import { TaskRepository, type TaskRow } from '../runs/run.repository';

const QUEUE = /^(csm|team|manager):[A-Za-z0-9_.-]{1,100}$/;

/**
 * Playbook tasks sit in the same queues as alerts (`/v1/queues/{queue}/tasks` next to
 * `/v1/queues/{queue}/alerts`), with the same rules on who may see and work a queue.
 */
@Controller('v1')
@UseGuards(ApiKeyGuard)
export class TasksController {
  private readonly tasks = new TaskRepository();

  constructor(
    @Inject(SERVICE_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly directory: DirectoryRing,
    private readonly runner: PlaybookRunner,
    private readonly relay: OutboxRelay,
  ) {}

  @Get('queues/:queue/tasks')
  @RequireScope('integrator', 'csm', 'manager')
  async list(@Param('queue') queue: string, @Query('status') status: string | undefined, @Req() request: AuthenticatedRequest): Promise<{ queue: string; tasks: TaskRow[] }> {
    if (!QUEUE.test(queue) || !request.principal || !mayUseQueue(request.principal, queue, 'read', (team) => this.directory.csmsOfTeam(team))) {
      throw new RequestRejected(404, [{ path: 'queue', message: `no queue ${queue.slice(0, 100)} visible to this key` }]);
    }
    const wanted = status ?? 'open';
    if (!['open', 'done'].includes(wanted)) throw new RequestRejected(400, [{ path: 'status', message: 'must be open or done' }]);
    return { queue, tasks: await this.tasks.listQueue(this.dataSource.manager, queue, wanted, 200) };
  }

  @Post('tasks/:id/complete')
  @HttpCode(200)
  @RequireScope('csm', 'manager')
  async complete(@Param('id') id: string, @Body() body: unknown, @Req() request: AuthenticatedRequest): Promise<TaskRow> {
    const note = typeof body === 'object' && body !== null ? (body as { note?: unknown }).note : undefined;
    if (note !== undefined && (typeof note !== 'string' || note.length > 2000)) throw new RequestRejected(400, [{ path: 'note', message: 'must be a string of at most 2000 characters' }]);
    const principal = request.principal;
    const task = await this.dataSource.transaction(async (manager) => {
      const found = id.length <= 300 ? await this.tasks.findForUpdate(manager, id) : null;
      if (!found || !principal || !mayUseQueue(principal, found.queue, 'act', (team) => this.directory.csmsOfTeam(team))) {
        throw new RequestRejected(404, [{ path: 'id', message: 'no task with this id this key may act on' }]);
      }
      if (found.status === 'done') throw new RequestRejected(409, [{ path: '', message: 'the task is already done' }]);
      await this.tasks.complete(manager, id, principal.keyId, (note as string | undefined) ?? null);
      await this.runner.taskCompleted(manager, found, new Date().toISOString());
      return (await this.tasks.findForUpdate(manager, id)) as TaskRow;
    });
    this.relay.nudge();
    return task;
  }
}
