import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiAcceptedResponse, ApiConflictResponse, ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { ERROR_REF } from './openapi.js';
import { ClusterCredentialView, ClusterGroupView, ClusterView, CreateClusterDto, CreateClusterGroupDto, PatchClusterDto, RevokedCredentialsView, UpdateClusterGroupDto } from '../clusters/clusters.dto.js';
import { ClusterCredentialsService } from '../clusters/cluster-credentials.service.js';
import { Roles } from '../auth/roles.js';
import { ClustersService } from '../clusters/clusters.service.js';
import { ClusterDetailView } from '../targets/targets.dto.js';
import { TargetsService } from '../targets/targets.service.js';

/** Admin API of clusters: /api/v1/clusters. */
@ApiTags('clusters')
@Controller('api/v1/clusters')
export class ClustersController {
  constructor(
    private readonly service: ClustersService,
    private readonly credentials: ClusterCredentialsService,
    private readonly targets: TargetsService,
  ) {}

  /** Registers a cluster (201); 409 when the name is taken. */
  @Post()
  create(@Body() dto: CreateClusterDto): Promise<ClusterView> {
    return this.service.create(dto);
  }

  /** Lists clusters. */
  @Get()
  @ApiOkResponse({ type: [ClusterView] })
  list(): Promise<ClusterView[]> {
    return this.service.list();
  }

  /** One cluster with its targets, their status, and its health rolled up over them (worst first). */
  @Get(':name')
  @ApiOkResponse({ type: ClusterDetailView })
  async get(@Param('name') name: string): Promise<ClusterDetailView> {
    const cluster = await this.service.get(name);
    return { ...cluster, ...(await this.targets.ofCluster(name)) };
  }

  /** Replaces the cluster's labels; targets move at once. Role operator. */
  @Patch(':name')
  @Roles('operator')
  patch(@Param('name') name: string, @Body() dto: PatchClusterDto): Promise<ClusterView> {
    return this.service.setLabels(name, dto.labels);
  }

  /** Deletes a cluster (204): its targets are unpublished and its agent's NATS credentials revoked (it is disconnected). */
  @Delete(':name')
  @HttpCode(204)
  delete(@Param('name') name: string): Promise<void> {
    return this.service.delete(name);
  }

  /** The NATS credentials issued to the cluster's agent, newest first (public keys only). */
  @Get(':name/credentials')
  @ApiOkResponse({ type: [ClusterCredentialView] })
  async listCredentials(@Param('name') name: string): Promise<ClusterCredentialView[]> {
    await this.service.assertExists(name);
    return this.credentials.list(name);
  }

  /**
   * Revokes every NATS credential of the cluster's agent (200): NATS disconnects it within
   * seconds and refuses its reconnect; the cluster record stays (a new enrollment can follow).
   * 503 without NATS operator mode. Role admin.
   */
  @Post(':name/credentials/revoke')
  @HttpCode(200)
  @ApiOkResponse({ type: RevokedCredentialsView })
  @ApiServiceUnavailableResponse({ description: 'the hub runs without NATS operator mode (and the cluster has credentials to revoke)', schema: ERROR_REF })
  async revokeCredentials(@Param('name') name: string): Promise<RevokedCredentialsView> {
    await this.service.assertExists(name);
    return { revoked: await this.credentials.revokeAll(name) };
  }

  /**
   * Asks the cluster's agent to rotate its NATS credentials (202): it gets a new user JWT over
   * NATS, reconnects with it and confirms; the old one is revoked then, so the agent is never
   * without working credentials. 409 when the agent does not answer (not connected: the hub is
   * fine, the cluster is not in a state to rotate), 503 without operator mode. Role operator.
   */
  @Post(':name/credentials/rotate')
  @Roles('operator')
  @HttpCode(202)
  @ApiAcceptedResponse({ description: 'the agent took the request; it confirms over NATS' })
  @ApiConflictResponse({ description: 'the cluster\'s agent is not connected or did not answer', schema: ERROR_REF })
  @ApiServiceUnavailableResponse({ description: 'the hub runs without NATS operator mode', schema: ERROR_REF })
  async rotateCredentials(@Param('name') name: string): Promise<void> {
    await this.service.assertExists(name);
    await this.credentials.rotate(name);
  }
}

/** Admin API of cluster groups: /api/v1/clustergroups. */
@ApiTags('clustergroups')
@Controller('api/v1/clustergroups')
export class ClusterGroupsController {
  constructor(private readonly service: ClustersService) {}

  /** Creates a group (201); 409 when the name is taken. */
  @Post()
  create(@Body() dto: CreateClusterGroupDto): Promise<ClusterGroupView> {
    return this.service.createGroup(dto);
  }

  /** Lists groups with their member clusters. */
  @Get()
  @ApiOkResponse({ type: [ClusterGroupView] })
  list(): Promise<ClusterGroupView[]> {
    return this.service.listGroups();
  }

  /** One group. */
  @Get(':name')
  get(@Param('name') name: string): Promise<ClusterGroupView> {
    return this.service.getGroup(name);
  }

  /** Replaces a group's selector. */
  @Put(':name')
  update(@Param('name') name: string, @Body() dto: UpdateClusterGroupDto): Promise<ClusterGroupView> {
    return this.service.updateGroup(name, dto.selector);
  }

  /** Deletes a group (204). */
  @Delete(':name')
  @HttpCode(204)
  delete(@Param('name') name: string): Promise<void> {
    return this.service.deleteGroup(name);
  }
}
