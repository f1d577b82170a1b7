import { Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AuditEntryView } from './auth.dto.js';
import { AuditLogRepository } from './audit-log.repository.js';
import type { Principal } from './roles.js';

/**
 * The audit log: every change request (non-GET) that passed authentication (whatever its
 * outcome, 403 included) is written once its answer is sent. 401s are not recorded: an anonymous caller
 * could otherwise flood the table.
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(private readonly repo: AuditLogRepository) {}

  /**
   * Records `req` by `principal` (null: an anonymous webhook, or the actor a handler left in
   * `res.locals.auditActor`, e.g. `registration-token/<name>` for an enrollment) when `res` is
   * finished, with the final status and the error message the exception filter left in
   * `res.locals.errorMessage`.
   * A failed insert is logged, never thrown.
   */
  recordWhenDone(req: Request, res: Response, principal: Principal | null): void {
    const at = new Date();
    res.once('finish', () => {
      const message = res.statusCode >= 400 ? ((res.locals.errorMessage as string | undefined) ?? null) : null;
      this.repo
        .insert({
          at,
          actor: principal?.name ?? (res.locals.auditActor as string | undefined) ?? 'anonymous',
          role: principal?.role ?? null,
          method: req.method,
          path: req.originalUrl.split('?')[0] ?? req.originalUrl,
          target: auditTarget(req),
          outcome: res.statusCode,
          message: message === null ? null : message.slice(0, 1000),
        })
        .catch((err: unknown) => this.logger.error({ err: String(err), method: req.method, path: req.path }, 'cannot write audit log entry'));
    });
  }

  /** The `limit` newest entries, newest first. */
  async list(limit: number): Promise<AuditEntryView[]> {
    return (await this.repo.newest(limit)).map((e) => ({ ...e, id: Number(e.id), at: e.at.toISOString() }));
  }
}

/** The resource a request acts on: its `:name`/`:id` path parameter, else the `name` of the body. */
function auditTarget(req: Request): string | null {
  const params = (req.params ?? {}) as Record<string, string | undefined>;
  const fromPath = params.name ?? params.id;
  if (fromPath) return fromPath;
  const body = req.body as { name?: unknown } | undefined;
  return typeof body?.name === 'string' ? body.name.slice(0, 253) : null;
}
