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
 * How much of a problem list an answer carries: the first `maxProblems` problems, each path and
 * message cut to `maxTextLength` UTF-16 code units. A 640 KB bad body once produced a 2.7 MB
 * answer; bounded, the largest error answer is about 100 × 2 × 300 characters.
 */
export const errorListLimits = { maxProblems: 100, maxTextLength: 300 } as const;

/** A rendered error answer: `errors` bounded by errorListLimits, `truncated` counting the problems left out (absent when none were). */
export interface ErrorAnswer {
  readonly errors: readonly RequestProblem[];
  readonly truncated?: number;
}

/**
 * The body of an error answer for a problem list, bounded by errorListLimits: the first problems
 * in order, long paths and messages cut (never inside a surrogate pair) and marked with `…`, and
 * `truncated: N` when N problems were left out.
 */
export function renderErrors(problems: readonly RequestProblem[]): ErrorAnswer {
  const kept = problems.slice(0, errorListLimits.maxProblems).map((problem) => ({
    ...(problem.index === undefined ? {} : { index: problem.index }),
    path: cut(String(problem.path)),
    message: cut(String(problem.message)),
  }));
  const left = problems.length - kept.length;
  return left > 0 ? { errors: kept, truncated: left } : { errors: kept };
}

function cut(text: string): string {
  if (text.length <= errorListLimits.maxTextLength) return text;
  let end = errorListLimits.maxTextLength - 1;
  // Never split a surrogate pair: the answer must stay well-formed text.
  if (/[\ud800-\udbff]/.test(text.charAt(end - 1))) end -= 1;
  return `${text.slice(0, end)}…`;
}

/**
 * Every error leaves as JSON `{"errors":[{path,message}]}`, bounded by renderErrors. Fastify's own errors (body too
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
      void reply.status(exception.getStatus()).headers(exception.headers).send(renderErrors(exception.errors));
      return;
    }
    if (exception instanceof HttpException) {
      const known = statusMessages[exception.getStatus()];
      if (known) {
        void reply.status(exception.getStatus()).send(renderErrors([{ path: '', message: known }]));
        return;
      }
      const body = exception.getResponse();
      const message = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? exception.message);
      void reply.status(exception.getStatus()).send(renderErrors([{ path: '', message: Array.isArray(message) ? message.join('; ') : String(message) }]));
      return;
    }
    const fastifyError = exception as FastifyErrorLike;
    if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      void reply.status(fastifyError.statusCode).send(renderErrors([{ path: '', message: describeFastifyError(fastifyError) }]));
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
