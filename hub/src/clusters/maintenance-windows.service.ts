import { Injectable, Logger } from '@nestjs/common';
import type { LabelSelector } from '@gitfleet/proto';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import { Pipeline } from '../pipeline.js';
import type { ClusterEntity } from './cluster.entity.js';
import { ClusterGroupsRepository } from './cluster-groups.repository.js';
import { ClustersRepository } from './clusters.repository.js';
import { checkSelector } from './label-selector.js';
import { checkWindowTiming, windowCovers, windowOpen } from './maintenance-window.js';
import type { MaintenanceWindowEntity } from './maintenance-window.entity.js';
import type { CreateMaintenanceWindowDto, MaintenanceWindowView } from './maintenance-windows.dto.js';
import { MaintenanceWindowsRepository } from './maintenance-windows.repository.js';

/**
 * Maintenance windows (issue #11): create, list, get, delete. A cluster covered by at least one
 * window gets new revisions only while one of its windows is open (ClusterHoldsService.heldAt);
 * drift correction and health go on. Creating or deleting a window runs the pipeline at once (the
 * answer does not wait for it).
 */
@Injectable()
export class MaintenanceWindowsService {
  private readonly logger = new Logger(MaintenanceWindowsService.name);

  constructor(
    private readonly windows: MaintenanceWindowsRepository,
    private readonly clusters: ClustersRepository,
    private readonly groups: ClusterGroupsRepository,
    private readonly deployments: Pipeline,
  ) {}

  /**
   * Creates a window.
   * @throws InvalidInputError naming the field: `schedule: …`, `timezone: …`, `duration: …`,
   *   `clusterSelector: …`, `clusterGroup: cluster group "<g>" does not exist`, or neither target given
   * @throws ConflictError when the name is taken
   */
  async create(dto: CreateMaintenanceWindowDto, now = new Date()): Promise<MaintenanceWindowView> {
    const timezone = dto.timezone?.trim() || null;
    const { schedule, duration } = checkWindowTiming({ schedule: dto.schedule, timezone, duration: dto.duration }, now);
    if (!dto.clusterSelector && !dto.clusterGroup) {
      throw new InvalidInputError('clusterSelector or clusterGroup is required: the clusters the window covers');
    }
    let clusterSelector: LabelSelector | null = null;
    if (dto.clusterSelector) {
      try {
        clusterSelector = checkSelector(dto.clusterSelector);
      } catch (err) {
        throw err instanceof InvalidInputError ? new InvalidInputError(`clusterSelector: ${err.message.replace(/^selector: /, '')}`, { cause: err }) : err;
      }
    }
    if (dto.clusterGroup && !(await this.groups.get(dto.clusterGroup))) {
      throw new InvalidInputError(`clusterGroup: cluster group "${dto.clusterGroup}" does not exist`);
    }
    if (!(await this.windows.create({ name: dto.name, schedule, timezone, duration, clusterSelector, clusterGroup: dto.clusterGroup ?? null }))) {
      throw new ConflictError(`maintenance window "${dto.name}" already exists`);
    }
    this.redeploy();
    return this.get(dto.name, now);
  }

  /** Every window with its state at `now` and the clusters it covers. */
  async list(now = new Date()): Promise<MaintenanceWindowView[]> {
    const [windows, clusters, groups] = await Promise.all([this.windows.list(), this.clusters.list(), this.groupSelectors()]);
    return windows.map((w) => toView(w, clusters, groups, now));
  }

  /** One window. @throws NotFoundError */
  async get(name: string, now = new Date()): Promise<MaintenanceWindowView> {
    const w = await this.windows.get(name);
    if (!w) throw new NotFoundError('maintenance window', name);
    const [clusters, groups] = await Promise.all([this.clusters.list(), this.groupSelectors()]);
    return toView(w, clusters, groups, now);
  }

  /** Deletes a window: the clusters it covered are no longer held by it. @throws NotFoundError */
  async delete(name: string): Promise<void> {
    if (!(await this.windows.delete(name))) throw new NotFoundError('maintenance window', name);
    this.redeploy();
  }

  private async groupSelectors(): Promise<Map<string, LabelSelector>> {
    return new Map((await this.groups.list()).map((g) => [g.name, g.selector]));
  }

  private redeploy(): void {
    this.deployments.trigger().catch((err) => this.logger.warn({ err: String(err) }, 'pipeline run after maintenance window change failed'));
  }
}

function toView(w: MaintenanceWindowEntity, clusters: ClusterEntity[], groups: ReadonlyMap<string, LabelSelector>, now: Date): MaintenanceWindowView {
  let state: ReturnType<typeof windowOpen> = { open: false };
  try {
    state = windowOpen(w, now);
  } catch {
    // stored windows were checked at creation; one this platform cannot read now shows closed
    // (and holds its clusters: cluster-holds.ts says why)
  }
  return {
    name: w.name,
    schedule: w.schedule,
    timezone: w.timezone,
    duration: w.duration,
    clusterSelector: w.clusterSelector,
    clusterGroup: w.clusterGroup,
    createdAt: w.createdAt.toISOString(),
    open: state.open,
    nextOpen: state.nextOpen?.toISOString() ?? null,
    closesAt: state.closesAt?.toISOString() ?? null,
    clusters: clusters.filter((c) => windowCovers(w, c.labels ?? {}, groups)).map((c) => c.name),
  };
}
