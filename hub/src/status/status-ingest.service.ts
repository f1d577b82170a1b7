import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { JsMsg } from '@nats-io/jetstream';
import {
  fromBinary,
  HealthStatus,
  HEARTBEAT_SUBJECT_PREFIX,
  HeartbeatSchema,
  isCompatibleContract,
  isValidName,
  ResourceAction,
  STATUS_SUBJECT_PREFIX,
  StatusReportSchema,
  SyncState,
  type StatusReport,
} from '@gitfleet/proto';
import { ClustersRepository, type HeartbeatUpdate } from '../clusters/clusters.repository.js';
import { DeploymentService } from '../deployments/deployment.service.js';
import { StatusStreamRepository } from './status-stream.repository.js';
import { healthName, objectDriftJson, objectRefJson, reportApplied, rollUpResourceHealth, syncStatusName } from './status-mapping.js';
import { StatusRepository, type StatusRecord } from './status.repository.js';
import type { ResourceActionName, ResourceResultJson, SyncStateName } from './status.types.js';

/** A message that was decoded and checked, or why it was refused. */
export type Decoded =
  | { kind: 'report'; record: StatusRecord; agentVersion: string }
  | { kind: 'heartbeat'; update: HeartbeatUpdate }
  | { kind: 'refused'; reason: string };

/**
 * Decodes one stream message by subject prefix (`fleet.status.<cluster>` → StatusReport,
 * `fleet.heartbeat.<cluster>` → Heartbeat) and checks it: the contract major version must be
 * ours (names.ts isCompatibleContract), the cluster field must equal the subject token, ids
 * must be DNS-1123 labels. Pure: no I/O.
 */
export function decodeStatusMessage(subject: string, data: Uint8Array, receivedAt: Date): Decoded {
  const [prefix, token] = splitSubject(subject);
  try {
    if (prefix === STATUS_SUBJECT_PREFIX) {
      const r = fromBinary(StatusReportSchema, data);
      const bad = checkCommon(r.contractVersion, r.cluster, token);
      if (bad) return { kind: 'refused', reason: bad };
      if (!r.reportId) return { kind: 'refused', reason: 'empty report_id' };
      if (!isValidName(r.bundleId)) return { kind: 'refused', reason: `invalid bundle_id "${r.bundleId.slice(0, 80)}"` };
      return { kind: 'report', record: toRecord(r, receivedAt), agentVersion: r.agentVersion };
    }
    if (prefix === HEARTBEAT_SUBJECT_PREFIX) {
      const h = fromBinary(HeartbeatSchema, data);
      const bad = checkCommon(h.contractVersion, h.cluster, token);
      if (bad) return { kind: 'refused', reason: bad };
      return { kind: 'heartbeat', update: { cluster: h.cluster, agentVersion: h.agentVersion, kubernetesVersion: h.kubernetesVersion, seenAt: receivedAt } };
    }
  } catch (err) {
    return { kind: 'refused', reason: `undecodable protobuf: ${(err as Error).message}` };
  }
  return { kind: 'refused', reason: 'unknown subject' };
}

/**
 * Status ingestion: consumes the status stream continuously and stores each batch in one
 * transaction (history once per report_id, latest status per target by generation, heartbeats
 * as last-seen, agent version and Kubernetes version). Messages are acked after the commit;
 * refused ones are logged and terminated (never redelivered); a batch that fails to store is
 * nak'ed for redelivery after 1 s. When a heartbeat changes a cluster's Kubernetes version the
 * deployment pipeline runs (Helm bundles render for it; only that cluster's Helm variants change,
 * so only they re-render and republish).
 */
@Injectable()
export class StatusIngestService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StatusIngestService.name);

  constructor(
    private readonly stream: StatusStreamRepository,
    private readonly statuses: StatusRepository,
    private readonly clusters: ClustersRepository,
    @Inject(DeploymentService) private readonly deployments: Pick<DeploymentService, 'trigger'>,
  ) {}

  /** Starts consuming. */
  onApplicationBootstrap(): void {
    this.stream.start((batch) => this.handleBatch(batch));
  }

  /** Stops consuming (the current batch is finished first). */
  async onApplicationShutdown(): Promise<void> {
    await this.stream.stop();
  }

  /** Decodes, stores and settles one batch of stream messages. Never rejects. */
  async handleBatch(batch: JsMsg[]): Promise<void> {
    const started = performance.now();
    const receivedAt = new Date();
    const records: StatusRecord[] = [];
    const seen = new Map<string, HeartbeatUpdate>();
    const good: JsMsg[] = [];
    for (const m of batch) {
      const d = decodeStatusMessage(m.subject, m.data, receivedAt);
      if (d.kind === 'refused') {
        this.logger.warn({ subject: m.subject, seq: m.seq, reason: d.reason }, 'status message refused');
        m.term(d.reason);
        continue;
      }
      good.push(m);
      // a report proves the agent alive as much as a heartbeat does (but carries no Kubernetes version)
      const hb: HeartbeatUpdate = d.kind === 'report' ? { cluster: d.record.cluster, agentVersion: d.agentVersion, seenAt: receivedAt } : d.update;
      if (d.kind === 'report') records.push(d.record);
      const prev = seen.get(hb.cluster);
      if (!hb.kubernetesVersion && prev?.kubernetesVersion) hb.kubernetesVersion = prev.kubernetesVersion;
      seen.set(hb.cluster, hb);
    }
    if (good.length === 0) return;
    let versionChanged: string[] = [];
    try {
      await this.statuses.storeReports(records);
      versionChanged = (await this.clusters.recordHeartbeats([...seen.values()])).kubernetesVersionChanged;
      for (const m of good) m.ack();
      this.logger.debug({ messages: batch.length, reports: records.length, ms: Math.round(performance.now() - started) }, 'status batch stored');
    } catch (err) {
      this.logger.error({ err: String(err), messages: good.length }, 'storing status batch failed; redelivery in 1 s');
      for (const m of good) m.nak(1000);
      return;
    }
    if (versionChanged.length > 0) {
      this.logger.log({ clusters: versionChanged }, 'Kubernetes version changed; re-rendering Helm bundles');
      this.deployments.trigger().catch((err: unknown) => this.logger.warn({ err: String(err) }, 'pipeline run after Kubernetes version change failed'));
    }
  }
}

function splitSubject(subject: string): [string, string] {
  const i = subject.lastIndexOf('.');
  return i < 0 ? [subject, ''] : [subject.slice(0, i), subject.slice(i + 1)];
}

function checkCommon(version: string, cluster: string, token: string): string | undefined {
  if (!isCompatibleContract(version)) return `incompatible contract_version "${version.slice(0, 40)}"`;
  if (cluster !== token) return `cluster "${cluster.slice(0, 80)}" differs from subject token "${token}"`;
  return undefined;
}

const STATE_NAMES: Record<number, SyncStateName> = {
  [SyncState.SYNCED]: 'Synced',
  [SyncState.FAILED]: 'Failed',
  [SyncState.DELETED]: 'Deleted',
};

const ACTION_NAMES: Record<number, ResourceActionName> = {
  [ResourceAction.CREATED]: 'created',
  [ResourceAction.CONFIGURED]: 'configured',
  [ResourceAction.UNCHANGED]: 'unchanged',
  [ResourceAction.PRUNED]: 'pruned',
  [ResourceAction.FAILED]: 'failed',
};

/**
 * A decoded StatusReport → the record to store. Enums become names (status-mapping.ts); a
 * target health the agent left UNSPECIFIED is rolled up from its objects; `applied` follows
 * reportApplied. A missing or unparsable observed_at falls back to `receivedAt`.
 */
export function toRecord(r: StatusReport, receivedAt: Date): StatusRecord {
  const observed = new Date(r.observedAt);
  const state = STATE_NAMES[r.state] ?? 'Unknown';
  const resources: ResourceResultJson[] = r.resources.map((x) => ({
    apiVersion: x.apiVersion,
    kind: x.kind,
    namespace: x.namespace,
    name: x.name,
    action: ACTION_NAMES[x.action] ?? 'unspecified',
    message: x.message,
    health: { status: healthName(x.health), message: x.healthMessage },
  }));
  const health = r.health === HealthStatus.UNSPECIFIED ? rollUpResourceHealth(resources) : { status: healthName(r.health), message: r.healthMessage };
  const syncStatus = syncStatusName(r.syncStatus, state);
  const drift = r.drift.map(objectDriftJson);
  return {
    reportId: r.reportId,
    cluster: r.cluster,
    bundleId: r.bundleId,
    revision: r.revision,
    digest: r.digest,
    generation: Number(r.generation),
    state,
    resources,
    errors: [...r.errors],
    timings: r.timings ? { fetchMs: r.timings.fetchMs, applyMs: r.timings.applyMs, pruneMs: r.timings.pruneMs, totalMs: r.timings.totalMs } : null,
    observedAt: Number.isNaN(observed.getTime()) ? receivedAt : observed,
    receivedAt,
    syncStatus,
    health: health.status,
    healthMessage: health.message,
    drift,
    orphaned: r.orphaned.map(objectRefJson),
    trigger: r.trigger,
    syncRequest: Number(r.syncRequest),
    applied: reportApplied({ state, syncStatus, trigger: r.trigger, drift }),
  };
}
