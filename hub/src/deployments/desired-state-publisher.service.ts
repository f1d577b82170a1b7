/**
 * Publishing a target: the bundle object (by digest), the signed DesiredState at the target's KV
 * key, then the targets row, in that order, so the row never claims more than what an agent can
 * read; and withdrawing one with a signed tombstone. The NATS I/O itself (and the signing) is
 * publishing/PublishingRepository's; this service keeps the targets table in step with it.
 */
import { Injectable, Logger } from '@nestjs/common';
import { desiredStateKey } from '@gitfleet/proto';
import { PublishingRepository } from '../publishing/publishing.repository.js';
import type { TargetEntity } from '../targets/target.entity.js';
import { TargetsRepository } from '../targets/targets.repository.js';
import { desiredStateOf, type RenderedManifest, samePublication, type TargetDraft, tombstoneOf } from './desired-state.js';

/** What `publish` wrote. */
export interface PublishOutcome {
  /** false: the target's last published state was already the same; nothing was written */
  published: boolean;
  /** true: the bundle object was absent and this call wrote it to the object store */
  stored: boolean;
}

/** Writes targets to the desired-state KV (signed) and the targets table. */
@Injectable()
export class DesiredStatePublisher {
  private readonly logger = new Logger(DesiredStatePublisher.name);

  constructor(
    private readonly publishing: PublishingRepository,
    private readonly targets: TargetsRepository,
  ) {}

  /**
   * Publishes `draft` with the rendered `manifest` (bundle at `path`), unless the last published
   * state `prev` already says the same (desired-state.ts `samePublication`: then nothing is
   * written, so an unchanged cluster sees no KV update even when only the revision moved). A
   * change of policy, rules, take_ownership or namespace labels/annotations alone republishes (generation + 1, same digest).
   * The manual sync counter carries over from `prev`. Writes the object store (if the digest is
   * absent), then the KV (generation: `prev`'s + 1, or for a new target one above the highest
   * ever used for its key, DB rows or KV history), then the row.
   * @throws on NATS or database failure (nothing after the failed write is written).
   */
  async publish(draft: TargetDraft, prev: TargetEntity | undefined, path: string, manifest: RenderedManifest): Promise<PublishOutcome> {
    if (prev && samePublication(prev, draft)) return { published: false, stored: false };
    const stored = await this.publishing.putBundleIfAbsent(manifest.digest, manifest.bytes);
    await this.publishStored(draft, prev, path);
    return { published: true, stored };
  }

  /**
   * Publishes `draft` whose bundle object is already stored (`publish` without the object
   * write), unless `prev` already says the same (then returns `prev` unchanged).
   * @returns the targets row now in force (its generation is what the agent's report must reach).
   * @throws on NATS or database failure.
   */
  async publishStored(draft: TargetDraft, prev: TargetEntity | undefined, path: string): Promise<TargetEntity> {
    if (prev && samePublication(prev, draft)) return prev;
    const generation = (prev ? prev.generation : await this.firstGenerationBase(draft)) + 1;
    const row: TargetEntity = {
      cluster: draft.cluster,
      bundleId: draft.bundleId,
      source: draft.source,
      revision: draft.revision,
      digest: draft.digest,
      generation,
      targetNamespace: draft.targetNamespace,
      defaultNamespace: draft.defaultNamespace,
      syncPolicy: draft.syncPolicy,
      publishedAt: new Date(),
      ignoreDifferences: draft.ignoreDifferences,
      syncRequest: prev?.syncRequest ?? 0,
      takeOwnership: draft.takeOwnership,
      namespaceLabels: draft.namespaceLabels,
      namespaceAnnotations: draft.namespaceAnnotations,
    };
    await this.write(row, path);
    return row;
  }

  /** Stores `manifest` in the object store unless present; true when this call wrote it. */
  storeBundle(manifest: RenderedManifest): Promise<boolean> {
    return this.publishing.putBundleIfAbsent(manifest.digest, manifest.bytes);
  }

  /** True when the bundle object `digest` is in the object store (a rollback may only go to one that is). */
  hasBundle(digest: string): Promise<boolean> {
    return this.publishing.hasBundle(digest);
  }

  /**
   * Writes `row` as published (bundle at `path`): its signed DesiredState at the target's KV key
   * first, then the row. The caller has set the row's generation (a KV write always raises it).
   * @throws on NATS or database failure.
   */
  async write(row: TargetEntity, path: string): Promise<void> {
    await this.publishing.putDesiredState(desiredStateKey(row.cluster, row.bundleId), desiredStateOf(row, path));
    await this.targets.upsert(row);
  }

  /**
   * Withdraws target `t` (bundle at `path`): writes a signed tombstone at its KV key
   * (desired-state.ts `tombstoneOf`: withdrawn = true, generation + 1, empty digest, `reason`;
   * the agent prunes the objects it owns for the target), then deletes the targets row. The key
   * is never deleted: a bare KV delete is not a withdrawal for agents, and the tombstone keeps
   * the generation a later re-publish continues above. `revision` is the commit that withdrew
   * it (default: the row's).
   * @throws on NATS or database failure.
   */
  async withdraw(t: TargetEntity, path: string, reason: string, revision = t.revision): Promise<void> {
    await this.publishing.putDesiredState(desiredStateKey(t.cluster, t.bundleId), tombstoneOf(t, path, reason, revision, new Date()));
    await this.targets.delete({ cluster: t.cluster, bundleId: t.bundleId });
    this.logger.log({ cluster: t.cluster, bundle: t.bundleId, generation: t.generation + 1, reason }, 'target withdrawn (signed tombstone)');
  }

  /** For a new target: the highest generation ever used for its key (DB rows or KV history). */
  private async firstGenerationBase(key: { cluster: string; bundleId: string }): Promise<number> {
    const [db, kv] = await Promise.all([
      this.targets.lastGeneration({ cluster: key.cluster, bundleId: key.bundleId }),
      this.publishing.lastPublishedGeneration(desiredStateKey(key.cluster, key.bundleId)),
    ]);
    return Math.max(db, kv);
  }
}
