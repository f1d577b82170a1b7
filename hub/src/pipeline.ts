/**
 * The deployment pipeline as the rest of the hub sees it, two ports: `Pipeline`, a run for a
 * source (or every source), implemented by `deployments/DeploymentService`; and `ManualSync`, a
 * manual sync of one bundle, implemented by `deployments/ManualSyncService`. Both are provided
 * globally by `DeploymentsModule` under these classes as tokens; a manual sync and a run never
 * write targets at the same time.
 *
 * Why a port: the pipeline reads sources, clusters, targets and bundles, so those folders must
 * not import `deployments/` back (the hub's folders point one way, issue #10). A change there
 * (a new revision, a relabelled cluster, an enrolled cluster, a Kubernetes version change, a
 * sync button) asks for a run through this.
 */

/** What one pipeline run did; counts over all sources it covered. */
export interface PipelineResult {
  /** KV puts (new or changed targets). */
  published: number;
  /** Objects written to the object store (absent digests only). */
  stored: number;
  /** Targets withdrawn (signed tombstones written). */
  deleted: number;
  /** Targets whose desired state was already current (no write). */
  unchanged: number;
  /** Bundles marked Failed in this run. */
  failedBundles: number;
}

/** One target republished by a manual sync. */
export interface SyncedTarget {
  cluster: string;
  bundleId: string;
  /** the new sync_request (previous + 1) */
  syncRequest: number;
  /** the new generation (previous + 1) */
  generation: number;
}

/** The pipeline's run entry point (token and type). */
export abstract class Pipeline {
  /**
   * Queues a run for `source` (or every source when omitted) and resolves with the result of
   * the run that covered it. Never runs two at once; repeated triggers share one run.
   * @throws the run's error when it failed outside a bundle (database or NATS down), or when
   *   the hub is shutting down.
   */
  abstract trigger(source?: string): Promise<PipelineResult>;
}

/** Manual sync of a bundle's targets (token and type); serialised with pipeline runs. */
export abstract class ManualSync {
  /**
   * Manual sync of one bundle's targets (all of them, or the one on `cluster`): each gets
   * sync_request + 1 and generation + 1 and its desired state is written again.
   * `bundle.path` is the bundle's directory.
   * @throws NotFoundError when `cluster` is given and the bundle has no target there; Error when
   *   the hub is shutting down.
   */
  abstract requestSync(bundle: { id: string; path: string }, cluster?: string): Promise<SyncedTarget[]>;
}
