import { Injectable, Logger } from '@nestjs/common';
import { matchesSelector } from '@gitfleet/proto';
import { ConflictError, NotFoundError } from '../errors.js';
import { Pipeline } from '../pipeline.js';
import type { ClusterEntity } from './cluster.entity.js';
import { ClusterCredentialsService } from './cluster-credentials.service.js';
import type { LabelSelector } from './cluster-group.entity.js';
import { ClusterGroupsRepository } from './cluster-groups.repository.js';
import type { ClusterGroupView, ClusterView, CreateClusterDto, CreateClusterGroupDto } from './clusters.dto.js';
import { ClustersRepository } from './clusters.repository.js';
import { checkSelector } from './label-selector.js';

/**
 * Clusters and cluster groups. Every change that can move targets (create, relabel, delete,
 * group changes) triggers the deployment pipeline at once; the API answer does not wait for it.
 */
@Injectable()
export class ClustersService {
  private readonly logger = new Logger(ClustersService.name);

  constructor(
    private readonly clusters: ClustersRepository,
    private readonly groups: ClusterGroupsRepository,
    private readonly deployments: Pipeline,
    private readonly credentials: ClusterCredentialsService,
  ) {}

  /** Registers a cluster. @throws ConflictError when the name is taken. */
  async create(dto: CreateClusterDto): Promise<ClusterView> {
    if (!(await this.clusters.create(dto.name, dto.labels ?? {}))) throw new ConflictError(`cluster "${dto.name}" already exists`);
    this.redeploy();
    return toView(await this.requireCluster(dto.name));
  }

  /** Every cluster. */
  async list(): Promise<ClusterView[]> {
    return (await this.clusters.list()).map(toView);
  }

  /** One cluster (its targets: TargetsService.ofCluster). @throws NotFoundError */
  async get(name: string): Promise<ClusterView> {
    return toView(await this.requireCluster(name));
  }

  /** Replaces the labels of a cluster and re-targets at once. @throws NotFoundError */
  async setLabels(name: string, labels: Record<string, string>): Promise<ClusterView> {
    if (!(await this.clusters.setLabels(name, labels))) throw new NotFoundError('cluster', name);
    this.redeploy();
    return toView(await this.requireCluster(name));
  }

  /**
   * Deletes a cluster; the pipeline deletes its targets' KV keys, and its agent's NATS
   * credentials are revoked (before the record goes, so a failed revocation leaves everything as
   * it was). @throws NotFoundError; Error when NATS refuses the revocation
   */
  async delete(name: string): Promise<void> {
    await this.requireCluster(name);
    await this.credentials.revokeAll(name);
    if (!(await this.clusters.delete(name))) throw new NotFoundError('cluster', name);
    this.redeploy();
  }

  /** Creates a cluster group. @throws ConflictError, InvalidInputError */
  async createGroup(dto: CreateClusterGroupDto): Promise<ClusterGroupView> {
    const selector = checkSelector(dto.selector);
    if (!(await this.groups.create(dto.name, selector))) throw new ConflictError(`cluster group "${dto.name}" already exists`);
    this.redeploy();
    return this.getGroup(dto.name);
  }

  /** Every group with its member clusters. */
  async listGroups(): Promise<ClusterGroupView[]> {
    const [groups, clusters] = await Promise.all([this.groups.list(), this.clusters.list()]);
    return groups.map((g) => groupView(g.name, g.selector, clusters));
  }

  /** One group with its member clusters. @throws NotFoundError */
  async getGroup(name: string): Promise<ClusterGroupView> {
    const g = await this.groups.get(name);
    if (!g) throw new NotFoundError('cluster group', name);
    return groupView(g.name, g.selector, await this.clusters.list());
  }

  /** Replaces a group's selector. @throws NotFoundError, InvalidInputError */
  async updateGroup(name: string, selector: LabelSelector): Promise<ClusterGroupView> {
    if (!(await this.groups.setSelector(name, checkSelector(selector)))) throw new NotFoundError('cluster group', name);
    this.redeploy();
    return this.getGroup(name);
  }

  /** Deletes a group. @throws NotFoundError */
  async deleteGroup(name: string): Promise<void> {
    if (!(await this.groups.delete(name))) throw new NotFoundError('cluster group', name);
    this.redeploy();
  }

  private redeploy(): void {
    this.deployments.trigger().catch((err) => this.logger.warn({ err: String(err) }, 'pipeline run after cluster change failed'));
  }

  /** @throws NotFoundError when there is no cluster `name`. */
  async assertExists(name: string): Promise<void> {
    await this.requireCluster(name);
  }

  private async requireCluster(name: string): Promise<ClusterEntity> {
    const c = await this.clusters.get(name);
    if (!c) throw new NotFoundError('cluster', name);
    return c;
  }
}

function groupView(name: string, selector: LabelSelector, clusters: ClusterEntity[]): ClusterGroupView {
  return { name, selector, clusters: clusters.filter((c) => matchesSelector(selector, c.labels ?? {})).map((c) => c.name) };
}

function toView(c: ClusterEntity): ClusterView {
  return {
    name: c.name,
    labels: c.labels ?? {},
    createdAt: c.createdAt.toISOString(),
    lastSeenAt: c.lastSeenAt?.toISOString() ?? null,
    agentVersion: c.agentVersion,
    kubernetesVersion: c.kubernetesVersion ?? null,
    hold: c.holdReason !== null && c.holdReason !== undefined
      ? { reason: c.holdReason, since: (c.holdSince ?? c.lastSeenAt ?? c.createdAt).toISOString(), source: c.holdSource ?? '' }
      : null,
  };
}
