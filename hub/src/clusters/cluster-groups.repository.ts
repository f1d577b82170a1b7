import { Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import { ClusterGroupEntity, type LabelSelector } from './cluster-group.entity.js';

/** The only I/O on table `cluster_groups`. */
@Injectable()
export class ClusterGroupsRepository {
  private readonly repo: Repository<ClusterGroupEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(ClusterGroupEntity);
  }

  /** All groups, by name. */
  list(): Promise<ClusterGroupEntity[]> {
    return this.repo.find({ order: { name: 'ASC' } });
  }

  /** The group `name`, or null. */
  get(name: string): Promise<ClusterGroupEntity | null> {
    return this.repo.findOneBy({ name });
  }

  /** Inserts a group; returns false when the name is taken. */
  async create(name: string, selector: LabelSelector): Promise<boolean> {
    const res = await this.repo.createQueryBuilder().insert().values({ name, selector }).orIgnore().returning(['name']).execute();
    return (res.raw as unknown[]).length > 0;
  }

  /** Replaces the selector; returns false when the group does not exist. */
  async setSelector(name: string, selector: LabelSelector): Promise<boolean> {
    const res = await this.repo.update({ name }, { selector });
    return (res.affected ?? 0) > 0;
  }

  /** Deletes the group; returns false when it did not exist. */
  async delete(name: string): Promise<boolean> {
    const res = await this.repo.delete({ name });
    return (res.affected ?? 0) > 0;
  }
}
