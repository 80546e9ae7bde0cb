import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { AppLogger } from '../logging/logger';

/** One problem with a request, as the HTTP contract lists them. */
export interface RequestProblem {
  readonly index?: number;
  readonly path: string;
  readonly message: string;
}

/** A 4xx with the contract's `{"errors":[...]}` body. */
export class RequestRejected extends HttpException {
  constructor(
    status: number,
    readonly errors: readonly RequestProblem[],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super({ errors }, status);
  }
}

interface FastifyErrorLike {
  statusCode?: number;
  code?: string;
  message?: string;
}

/**
 * Every error leaves as JSON `{"errors":[{path,message}]}`. Fastify's own errors (body too
 * large, bad JSON, bad content type) keep their 4xx status; unknown errors are 500 with no
 * detail leaked, and logged.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: AppLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof RequestRejected) {
      void reply.status(exception.getStatus()).headers(exception.headers).send({ errors: exception.errors });
      return;
    }
    if (exception instanceof HttpException) {
      const known = statusMessages[exception.getStatus()];
      if (known) {
        void reply.status(exception.getStatus()).send({ errors: [{ path: '', message: known }] });
        return;
      }
      const body = exception.getResponse();
      const message = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? exception.message);
      void reply.status(exception.getStatus()).send({ errors: [{ path: '', message: Array.isArray(message) ? message.join('; ') : String(message) }] });
      return;
    }
    const fastifyError = exception as FastifyErrorLike;
    if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      void reply.status(fastifyError.statusCode).send({ errors: [{ path: '', message: describeFastifyError(fastifyError) }] });
      return;
    }
    this.logger.error({ err: exception }, 'unhandled error in request');
    void reply.status(500).send({ errors: [{ path: '', message: 'internal error' }] });
  }
}

/** Framework-raised statuses, in the words of the contract. */
const statusMessages: Readonly<Record<number, string>> = {
  413: 'request body is larger than the limit',
  415: 'unsupported content type; send application/json',
};

function describeFastifyError(error: FastifyErrorLike): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'request body is larger than the limit';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'request body is empty';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported content type; send application/json';
    default:
      return error.message ?? 'bad request';
  }
}
