import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { JsMsg } from '@nats-io/jetstream';
import {
  ContractError,
  decodeMessage,
  failureClassName,
  HealthStatus,
  healthName,
  HEARTBEAT_SUBJECT_PREFIX,
  HeartbeatSchema,
  isValidName,
  ResourceAction,
  STATUS_SUBJECT_PREFIX,
  StatusReportSchema,
  syncStateName,
  syncStatusName,
  type SpokeHold,
  type StatusReport,
} from '@gitfleet/proto';
import { ClustersRepository, type ClusterHold, type HeartbeatUpdate } from '../clusters/clusters.repository.js';
import { Pipeline } from '../pipeline.js';
import { DeadLettersRepository } from './dead-letters.repository.js';
import { DEFAULT_RETRY_POLICY, isDataError, MAX_STATUS_MESSAGE_BYTES, retryDelayMs, sanitizeRecord, type RetryPolicy } from './ingest-policy.js';
import { sqlState } from '../database/sql-state.js';
import { pgText } from '../database/text.js';
import { objectDriftJson, objectRefJson, reportApplied, rollUpResourceHealth } from '../targets/status-mapping.js';
import { StatusRepository, type StatusRecord } from '../targets/status.repository.js';
import type { ResourceActionName, ResourceResultJson } from '../targets/status.types.js';

/** A message that was decoded and checked, or why it was refused. */
export type Decoded =
  | { kind: 'report'; record: StatusRecord; agentVersion: string }
  | { kind: 'heartbeat'; update: HeartbeatUpdate }
  | { kind: 'refused'; reason: string };

/**
 * Decodes one stream message by subject prefix (`fleet.status.<cluster>` → StatusReport,
 * `fleet.heartbeat.<cluster>` → Heartbeat) and checks it: it must decode and its contract major
 * version must be ours (@gitfleet/proto decodeMessage; refused as "undecodable protobuf: …" or
 * "incompatible contract_version …"), the cluster field must equal the subject token, ids must be
 * DNS-1123 labels. Pure: no I/O.
 */
export function decodeStatusMessage(subject: string, data: Uint8Array, receivedAt: Date): Decoded {
  const [prefix, token] = splitSubject(subject);
  try {
    if (prefix === STATUS_SUBJECT_PREFIX) {
      const r = decodeMessage(StatusReportSchema, data, { subject: `status report on ${subject}` });
      const bad = checkCluster(r.cluster, token);
      if (bad) return { kind: 'refused', reason: bad };
      if (!r.reportId) return { kind: 'refused', reason: 'empty report_id' };
      if (!isValidName(r.bundleId)) return { kind: 'refused', reason: `invalid bundle_id "${r.bundleId.slice(0, 80)}"` };
      return { kind: 'report', record: toRecord(r, receivedAt), agentVersion: r.agentVersion };
    }
    if (prefix === HEARTBEAT_SUBJECT_PREFIX) {
      const h = decodeMessage(HeartbeatSchema, data, { subject: `heartbeat on ${subject}` });
      const bad = checkCluster(h.cluster, token);
      if (bad) return { kind: 'refused', reason: bad };
      return { kind: 'heartbeat', update: { cluster: h.cluster, agentVersion: h.agentVersion, kubernetesVersion: h.kubernetesVersion, seenAt: receivedAt, hold: toHold(h.hold, receivedAt) } };
    }
  } catch (err) {
    if (err instanceof ContractError && err.reason === 'incompatible-contract') return { kind: 'refused', reason: err.detail };
    const cause = err instanceof ContractError ? err.cause : err;
    return { kind: 'refused', reason: `undecodable protobuf: ${(cause as Error).message}` };
  }
  return { kind: 'refused', reason: 'unknown subject' };
}

/** Tuning of StatusIngestService (tests shorten the retry delays). */
export interface StatusIngestOptions {
  retry?: RetryPolicy;
  /** largest message stored, bytes (default MAX_STATUS_MESSAGE_BYTES) */
  maxMessageBytes?: number;
}

/** Nest injection token of the optional StatusIngestOptions. */
export const STATUS_INGEST_OPTIONS = Symbol('STATUS_INGEST_OPTIONS');

/** A decoded message of a batch, waiting to be stored. */
interface Entry {
  m: JsMsg;
  d: Extract<Decoded, { kind: 'report' | 'heartbeat' }>;
}

/**
 * Status ingestion: stores each batch of the status stream in one transaction (history once per
 * report_id, latest status per target by generation, heartbeats as last-seen, agent version and
 * Kubernetes version). Messages are acked after the commit. The batches come from the durable
 * status consumer through messaging/status.handlers.ts, one at a time and in stream order
 * (nats/jetstream-batches.ts).
 *
 * Nothing blocks the reports behind it:
 * - a message that can never be stored (oversized, undecodable, refused by the checks of
 *   `decodeStatusMessage`, or refused by the database for its data: ingest-policy.ts
 *   `isDataError`) goes to the dead-letter table `status_dead_letters` with its reason and raw
 *   bytes, and is acked; a batch the database refuses is split in halves until the bad reports
 *   are found, so the good ones of the batch are stored at once;
 * - a report holding `\u0000` or lone surrogates in a string is repaired (ingest-policy.ts
 *   `sanitizeRecord`, logged with the fields) and stored;
 * - a transient failure (database down) naks with a backoff (1 s doubling to 60 s); after
 *   `maxDeliveries` deliveries the message is dead-lettered; while the dead-letter table cannot
 *   be written either the message keeps being redelivered at the longest delay, so a database
 *   outage loses nothing (and each redelivery tries to store the report first).
 *
 * When a heartbeat changes a cluster's Kubernetes version the deployment pipeline runs (Helm
 * bundles render for it; only that cluster's Helm variants change, so only they re-render and
 * republish).
 */
@Injectable()
export class StatusIngestService {
  private readonly logger = new Logger(StatusIngestService.name);
  private readonly retry: RetryPolicy;
  private readonly maxMessageBytes: number;

  constructor(
    private readonly statuses: StatusRepository,
    private readonly clusters: ClustersRepository,
    @Inject(Pipeline) private readonly deployments: Pick<Pipeline, 'trigger'>,
    private readonly deadLetters: DeadLettersRepository,
    @Optional() @Inject(STATUS_INGEST_OPTIONS) options?: StatusIngestOptions,
  ) {
    this.retry = options?.retry ?? DEFAULT_RETRY_POLICY;
    this.maxMessageBytes = options?.maxMessageBytes ?? MAX_STATUS_MESSAGE_BYTES;
  }

  /** Decodes, stores and settles (ack, or nak with a delay) every message of one batch. Never rejects. */
  async handleBatch(batch: JsMsg[]): Promise<void> {
    const started = performance.now();
    const receivedAt = new Date();
    const entries: Entry[] = [];
    const dead: Array<{ m: JsMsg; reason: string }> = [];
    for (const m of batch) {
      if (m.data.byteLength > this.maxMessageBytes) {
        dead.push({ m, reason: `oversized: ${m.data.byteLength} bytes, more than the limit of ${this.maxMessageBytes}` });
        continue;
      }
      const d = decodeStatusMessage(m.subject, m.data, receivedAt);
      if (d.kind === 'refused') {
        dead.push({ m, reason: d.reason });
        continue;
      }
      if (d.kind === 'report') {
        const repaired = sanitizeRecord(d.record);
        if (repaired.length > 0) {
          this.logger.warn({ subject: m.subject, seq: m.seq, reportId: d.record.reportId, fields: repaired.slice(0, 20) }, 'status report repaired: removed NUL characters / lone surrogates');
        }
      }
      entries.push({ m, d });
    }
    const versionChanged = await this.store(entries, dead);
    await this.deadLetter(dead, receivedAt);
    this.logger.debug({ messages: batch.length, deadLetters: dead.length, ms: Math.round(performance.now() - started) }, 'status batch handled');
    if (versionChanged.length > 0) {
      this.logger.log({ clusters: versionChanged }, 'Kubernetes version changed; re-rendering Helm bundles');
      this.deployments.trigger().catch((err: unknown) => this.logger.warn({ err: String(err) }, 'pipeline run after Kubernetes version change failed'));
    }
  }

  /**
   * Stores `entries` in one transaction and acks them. A data error splits them in halves (a
   * single refused report joins `dead`); a transient error naks each with its backoff, or adds
   * it to `dead` once it reached `maxDeliveries`. @returns clusters whose Kubernetes version changed.
   */
  private async store(entries: Entry[], dead: Array<{ m: JsMsg; reason: string }>): Promise<string[]> {
    if (entries.length === 0) return [];
    const records: StatusRecord[] = [];
    const seen = new Map<string, HeartbeatUpdate>();
    for (const { d } of entries) {
      // a report proves the agent alive as much as a heartbeat does (but carries no Kubernetes version)
      const hb: HeartbeatUpdate = d.kind === 'report' ? { cluster: d.record.cluster, agentVersion: d.agentVersion, seenAt: d.record.receivedAt } : { ...d.update };
      // versions are free text from the agent: storable in PostgreSQL text (no NUL)
      hb.agentVersion = pgText(hb.agentVersion);
      if (hb.kubernetesVersion) hb.kubernetesVersion = pgText(hb.kubernetesVersion);
      if (hb.hold) hb.hold = { ...hb.hold, reason: pgText(hb.hold.reason), source: pgText(hb.hold.source) };
      if (d.kind === 'report') records.push(d.record);
      const prev = seen.get(hb.cluster);
      if (!hb.kubernetesVersion && prev?.kubernetesVersion) hb.kubernetesVersion = prev.kubernetesVersion;
      // a report after a heartbeat in the same batch says nothing of the hold: keep the heartbeat's
      if (hb.hold === undefined && prev?.hold !== undefined) hb.hold = prev.hold;
      seen.set(hb.cluster, hb);
    }
    try {
      await this.statuses.storeReports(records);
      const result = await this.clusters.recordHeartbeats([...seen.values()]);
      for (const { m } of entries) m.ack();
      if (result.holdChanged.length > 0) {
        const holds = [...seen.values()].filter((u) => result.holdChanged.includes(u.cluster)).map((u) => ({ cluster: u.cluster, hold: u.hold?.reason ?? null }));
        this.logger.log({ holds }, 'spoke-side hold set, changed or lifted');
      }
      return result.kubernetesVersionChanged;
    } catch (err) {
      if (isDataError(err)) {
        if (entries.length === 1) {
          dead.push({ m: entries[0]!.m, reason: `refused by the database (SQLSTATE ${sqlState(err)}): ${errorMessage(err)}` });
          return [];
        }
        const half = Math.ceil(entries.length / 2);
        return [...(await this.store(entries.slice(0, half), dead)), ...(await this.store(entries.slice(half), dead))];
      }
      this.logger.error({ err: errorMessage(err), messages: entries.length }, 'storing status batch failed; redelivery with backoff');
      for (const { m } of entries) {
        const n = deliveryCount(m);
        if (n >= this.retry.maxDeliveries) dead.push({ m, reason: `not stored after ${n} deliveries: ${errorMessage(err)}` });
        else m.nak(retryDelayMs(n, this.retry));
      }
      return [];
    }
  }

  /** Writes `dead` to the dead-letter table and acks them; naks them (longest delay) when that fails. */
  private async deadLetter(dead: Array<{ m: JsMsg; reason: string }>, receivedAt: Date): Promise<void> {
    if (dead.length === 0) return;
    try {
      await this.deadLetters.add(dead.map(({ m, reason }) => ({
        cluster: splitSubject(m.subject)[1],
        subject: m.subject,
        streamSequence: m.seq,
        deliveryCount: deliveryCount(m),
        reason,
        receivedAt,
        data: m.data,
      })));
      for (const { m, reason } of dead) {
        this.logger.warn({ subject: m.subject, seq: m.seq, reason }, 'status message dead-lettered');
        m.ack();
      }
    } catch (err) {
      this.logger.error({ err: errorMessage(err), messages: dead.length }, 'writing dead letters failed; redelivery with backoff');
      for (const { m } of dead) m.nak(retryDelayMs(deliveryCount(m), this.retry));
    }
  }
}

/** Longest spoke-side hold reason and source stored, characters (agents' free text). */
export const MAX_HOLD_TEXT = 1024;

/**
 * A heartbeat's hold → the hold to store (pure): absent → null (the heartbeat lifts any hold);
 * reason and source trimmed and cut to MAX_HOLD_TEXT (an empty reason → `held (no reason
 * given)`); a `since` that is not an RFC 3339 time → `receivedAt`.
 */
export function toHold(hold: SpokeHold | undefined, receivedAt: Date): ClusterHold | null {
  if (!hold) return null;
  const since = new Date(hold.since);
  return {
    reason: hold.reason.trim().slice(0, MAX_HOLD_TEXT) || 'held (no reason given)',
    since: hold.since && !Number.isNaN(since.getTime()) ? since : receivedAt,
    source: hold.source.trim().slice(0, MAX_HOLD_TEXT),
  };
}

function deliveryCount(m: JsMsg): number {
  try {
    return m.info.deliveryCount;
  } catch {
    return 1;
  }
}

function errorMessage(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 500);
}

function splitSubject(subject: string): [string, string] {
  const i = subject.lastIndexOf('.');
  return i < 0 ? [subject, ''] : [subject.slice(0, i), subject.slice(i + 1)];
}

function checkCluster(cluster: string, token: string): string | undefined {
  if (cluster !== token) return `cluster "${cluster.slice(0, 80)}" differs from subject token "${token.slice(0, 80)}"`;
  if (!isValidName(cluster)) return `invalid cluster "${cluster.slice(0, 80)}" (not a DNS-1123 label)`;
  return undefined;
}

const ACTION_NAMES: Record<number, ResourceActionName> = {
  [ResourceAction.CREATED]: 'created',
  [ResourceAction.CONFIGURED]: 'configured',
  [ResourceAction.UNCHANGED]: 'unchanged',
  [ResourceAction.PRUNED]: 'pruned',
  [ResourceAction.FAILED]: 'failed',
};

/**
 * A decoded StatusReport → the record to store. Enums become names (@gitfleet/proto health.ts
 * and conditions.ts; failure_class UNSPECIFIED → null); a target health the agent left
 * UNSPECIFIED is rolled up from its objects; `applied` follows reportApplied. A missing or
 * unparsable observed_at falls back to `receivedAt`.
 */
export function toRecord(r: StatusReport, receivedAt: Date): StatusRecord {
  const observed = new Date(r.observedAt);
  const state = syncStateName(r.state);
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
    failureClass: failureClassName(r.failureClass),
  };
}
