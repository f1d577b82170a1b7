import { Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import { MaintenanceWindowEntity } from './maintenance-window.entity.js';

/** The only I/O on table `maintenance_windows`. */
@Injectable()
export class MaintenanceWindowsRepository {
  private readonly repo: Repository<MaintenanceWindowEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(MaintenanceWindowEntity);
  }

  /** All windows, by name. */
  list(): Promise<MaintenanceWindowEntity[]> {
    return this.repo.find({ order: { name: 'ASC' } });
  }

  /** The window `name`, or null. */
  get(name: string): Promise<MaintenanceWindowEntity | null> {
    return this.repo.findOneBy({ name });
  }

  /** Inserts a window; returns false when the name is taken (nothing written). */
  async create(w: Omit<MaintenanceWindowEntity, 'createdAt'>): Promise<boolean> {
    const res = await this.repo.createQueryBuilder().insert().values(w).orIgnore().returning(['name']).execute();
    return (res.raw as unknown[]).length > 0;
  }

  /** Deletes the window; returns false when it did not exist. */
  async delete(name: string): Promise<boolean> {
    const res = await this.repo.delete({ name });
    return (res.affected ?? 0) > 0;
  }
}
