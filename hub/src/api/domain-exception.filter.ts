import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { BODY_LIMIT_TEXT } from './body-limit.js';
import { sqlState } from '../database/sql-state.js';
import { AgentReplyError, AgentUnavailableError, ConflictError, DomainError, ForbiddenError, InvalidInputError, NotConfiguredError, NotFoundError, UnauthenticatedError } from '../errors.js';

/** JSON body of every API error response. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
}

/**
 * The one place that maps errors to HTTP: NotFoundError → 404, ConflictError → 409,
 * InvalidInputError → 400, a PostgreSQL data exception (SQLSTATE class 22, e.g. a number out
 * of range) → 400, a unique violation (23505) → 409, AgentUnavailableError → 504, AgentReplyError → 502 (both logged as
 * warnings, with their message in the body), UnauthenticatedError → 401 with
 * `WWW-Authenticate: Bearer` (RFC 6750), ForbiddenError → 403, NotConfiguredError → 503, Nest HttpExceptions (validation
 * 400, unknown route 404, …) as they are, a body over the size limit → 413, anything else → 500
 * with a generic message (details only in the log). The message is also left in
 * `res.locals.errorMessage` for the audit log.
 */
@Catch()
export class DomainExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrors');

  /** Writes the error response for `exception`. */
  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (exception instanceof AgentUnavailableError || exception instanceof AgentReplyError) this.logger.warn({ err: String(exception) }, 'agent request failed');
    else if (body.statusCode >= 500) this.logger.error({ err: exception }, 'unhandled error');
    if (exception instanceof UnauthenticatedError) {
      res.setHeader('WWW-Authenticate', exception.invalidToken ? 'Bearer realm="gitfleet", error="invalid_token"' : 'Bearer realm="gitfleet"');
    }
    res.locals.errorMessage = Array.isArray(body.message) ? body.message.join('; ') : body.message;
    res.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ErrorBody {
    const tooLarge = (exception as { type?: unknown })?.type === 'entity.too.large' || (exception instanceof HttpException && exception.getStatus() === 413);
    if (tooLarge) return { statusCode: HttpStatus.PAYLOAD_TOO_LARGE, error: 'Payload Too Large', message: `request body exceeds the limit of ${BODY_LIMIT_TEXT}` };
    if (exception instanceof NotFoundError) return { statusCode: HttpStatus.NOT_FOUND, error: 'Not Found', message: exception.message };
    if (exception instanceof ConflictError) return { statusCode: HttpStatus.CONFLICT, error: 'Conflict', message: exception.message };
    if (exception instanceof AgentUnavailableError) return { statusCode: HttpStatus.GATEWAY_TIMEOUT, error: 'Gateway Timeout', message: exception.message };
    if (exception instanceof AgentReplyError) return { statusCode: HttpStatus.BAD_GATEWAY, error: 'Bad Gateway', message: exception.message };
    if (exception instanceof UnauthenticatedError) return { statusCode: HttpStatus.UNAUTHORIZED, error: 'Unauthorized', message: exception.message };
    if (exception instanceof ForbiddenError) return { statusCode: HttpStatus.FORBIDDEN, error: 'Forbidden', message: exception.message };
    if (exception instanceof NotConfiguredError) return { statusCode: HttpStatus.SERVICE_UNAVAILABLE, error: 'Service Unavailable', message: exception.message };
    if (exception instanceof InvalidInputError || exception instanceof DomainError) {
      return { statusCode: HttpStatus.BAD_REQUEST, error: 'Bad Request', message: exception.message };
    }
    // a value the validation let through but PostgreSQL refuses (a number out of its column's
    // range, a NUL character): the request's fault, named by PostgreSQL's message
    const state = sqlState(exception);
    if (state?.startsWith('22')) return { statusCode: HttpStatus.BAD_REQUEST, error: 'Bad Request', message: `a value was refused by the database: ${(exception as Error).message}` };
    if (state === '23505') return { statusCode: HttpStatus.CONFLICT, error: 'Conflict', message: 'already exists' };
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const r = exception.getResponse();
      const message = typeof r === 'string' ? r : ((r as { message?: string | string[] }).message ?? exception.message);
      return { statusCode: status, error: httpErrorName(status), message };
    }
    // body-parser errors (malformed JSON, too large) carry a 4xx status
    const status = (exception as { status?: unknown; type?: unknown })?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return { statusCode: status, error: httpErrorName(status), message: (exception as Error).message };
    }
    return { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, error: 'Internal Server Error', message: 'internal error' };
  }
}

function httpErrorName(status: number): string {
  const names: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };
  return names[status] ?? (status >= 500 ? 'Internal Server Error' : 'Error');
}
