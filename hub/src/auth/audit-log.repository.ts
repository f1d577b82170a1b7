import { Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import { pgText } from '../database/text.js';
import { AuditLogEntity } from './audit-log.entity.js';

/** The only I/O on table `audit_log`. */
@Injectable()
export class AuditLogRepository {
  private readonly repo: Repository<AuditLogEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(AuditLogEntity);
  }

  /** Appends one entry (NUL characters a client sent are dropped from its text, so the entry is always written). */
  async insert(entry: Omit<AuditLogEntity, 'id'>): Promise<void> {
    const text = (v: string | null) => (v === null ? null : pgText(v));
    await this.repo.insert({ ...entry, actor: pgText(entry.actor), path: pgText(entry.path), target: text(entry.target), message: text(entry.message) });
  }

  /** The `limit` newest entries, newest first. */
  newest(limit: number): Promise<AuditLogEntity[]> {
    return this.repo.find({ order: { at: 'DESC', id: 'DESC' }, take: limit });
  }
}
