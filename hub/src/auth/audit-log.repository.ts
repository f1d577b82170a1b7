import { Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import { AuditLogEntity } from './audit-log.entity.js';

/** The only I/O on table `audit_log`. */
@Injectable()
export class AuditLogRepository {
  private readonly repo: Repository<AuditLogEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(AuditLogEntity);
  }

  /** Appends one entry. */
  async insert(entry: Omit<AuditLogEntity, 'id'>): Promise<void> {
    await this.repo.insert(entry);
  }

  /** The `limit` newest entries, newest first. */
  newest(limit: number): Promise<AuditLogEntity[]> {
    return this.repo.find({ order: { at: 'DESC', id: 'DESC' }, take: limit });
  }
}
