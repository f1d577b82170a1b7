/**
 * A small client of the hub's admin REST API (`/api/v1`), typed with the fields the suites read.
 * It talks HTTP only; it does not import hub code.
 */

/** What an agent reported for one object. */
export interface ResourceResultView { apiVersion: string; kind: string; namespace: string; name: string; action: string; message: string; health?: HealthView }

/** Names one Kubernetes object. */
export interface ObjectRefView { apiVersion: string; kind: string; namespace: string; name: string }

/** How one object differs from desired (drift), or would change (diff). */
export interface ObjectDriftView {
  object: ObjectRefView;
  missing: boolean;
  diffs: Array<{ path: string; desired: string; live: string; manager: string }>;
  healed: boolean;
  conflict: null | { manager: string; message: string };
}

/** Class of a failed reconcile: terminal (waits for a new desired state), waiting (requeued), transient (retried); null when it did not fail. */
export type FailureClassView = 'terminal' | 'waiting' | 'transient' | null;

/** Health of an object, a target, a bundle or a cluster. */
export interface HealthView { status: string; message: string }

/** One target (bundle × cluster) with desired and applied state, as `GET /api/v1/targets` shows it. */
export interface TargetView {
  cluster: string;
  bundleId: string;
  desired: { revision: string; digest: string; generation: number; publishedAt: string };
  applied: null | { revision: string; digest: string; generation: number; state: string; resources: ResourceResultView[]; errors: string[]; failureClass: FailureClassView; observedAt: string };
  status: 'Pending' | 'Synced' | 'Failed' | string;
  lastSeenAt: string | null;
  syncStatus: 'Synced' | 'OutOfSync' | 'Failed' | 'Unknown' | string;
  health: HealthView;
  drift: ObjectDriftView[];
  orphaned: ObjectRefView[];
  syncRequest: number;
}

/** What applying a target's desired state would change, as the agent computed it (dry run). */
export interface DiffView { cluster: string; bundleId: string; revision: string; objects: ObjectDriftView[]; prune: ObjectRefView[]; errors: string[] }

/** One bundle, as `GET /api/v1/bundles` shows it. */
export interface BundleView {
  id: string;
  source: string;
  path: string;
  revision: string;
  state: 'Ready' | 'Failed' | string;
  errors: Array<{ file: string; message: string }>;
  warnings: string[];
  targetCount: number;
}

/** One status report of a target, as `GET /api/v1/targets/:cluster/:bundleId/history` shows it. */
export interface HistoryEntryView {
  reportId: string;
  revision: string;
  digest: string;
  generation: number;
  state: 'Synced' | 'Failed' | 'Deleted' | string;
  resources: ResourceResultView[];
  errors: string[];
  failureClass: FailureClassView;
  observedAt: string;
  receivedAt: string;
  syncStatus: string;
  trigger: string;
  syncRequest: number;
}

/** One entry of the admin API's audit log, as `GET /api/v1/audit` shows it. */
export interface AuditEntryView {
  id: number;
  at: string;
  /** token name, `bootstrap-admin`, or `anonymous` */
  actor: string;
  role: string | null;
  method: string;
  path: string;
  target: string | null;
  /** HTTP status of the answer */
  outcome: number;
  message: string | null;
}

/** One object of a preview's dry run. */
export interface PreviewObjectView {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  action: 'create' | 'change' | 'prune' | 'orphan';
  diffs: Array<{ path: string; desired: string; live: string; manager: string }>;
}

/** One target of a preview. */
export interface PreviewTargetView {
  bundleId: string;
  path: string;
  change: 'added' | 'changed' | 'unchanged' | 'withdrawn' | 'kept';
  reason: string;
  publishedDigest: string | null;
  digest: string | null;
  objects: PreviewObjectView[];
  errors: string[];
  dryRun: boolean;
  truncated: number;
}

/** A preview, as `GET /api/v1/previews/:id` shows it. */
export interface PreviewView {
  id: string;
  source: string;
  branch: string | null;
  requestedRevision: string | null;
  revision: string | null;
  phase: 'Pending' | 'Running' | 'Completed' | 'Failed';
  message: string | null;
  requestedBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  result: null | {
    bundles: Array<{ bundleId: string; path: string; state: string; errors: Array<{ file: string; message: string }>; warnings: string[] }>;
    clusters: Array<{ cluster: string; targets: PreviewTargetView[] }>;
    unidentified: Array<{ path: string; reason: string }>;
    withdrawalHold: string | null;
  };
}

/** Error for a non-2xx answer: keeps the status and body so tests can assert on them. */
export class HubApiError extends Error {
  constructor(readonly method: string, readonly path: string, readonly status: number, readonly body: string) {
    super(`${method} ${path} → ${status}: ${body}`);
  }
}

/** Client of one hub instance; sends `token` as a bearer token when given. */
export class HubApi {
  constructor(readonly baseUrl: string, private readonly token?: string) {}

  /** Sends a request; resolves with the parsed JSON body (or undefined). @throws HubApiError on a non-2xx status. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new HubApiError(method, path, res.status, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T>(path: string): Promise<T> { return this.request<T>('GET', path); }
  post<T>(path: string, body?: unknown): Promise<T> { return this.request<T>('POST', path, body ?? {}); }
  patch<T>(path: string, body: unknown): Promise<T> { return this.request<T>('PATCH', path, body); }
  delete<T>(path: string): Promise<T> { return this.request<T>('DELETE', path); }

  /** Registers a cluster with labels. */
  createCluster(name: string, labels: Record<string, string>): Promise<unknown> {
    return this.post('/api/v1/clusters', { name, labels });
  }

  /** Replaces a cluster's labels. */
  relabelCluster(name: string, labels: Record<string, string>): Promise<unknown> {
    return this.patch(`/api/v1/clusters/${name}`, { labels });
  }

  /** Registers a Git source. `targets` are Fleet GitRepo-style target rules. */
  createSource(source: { name: string; url: string; branch?: string; path?: string; pollIntervalSeconds?: number; targets?: unknown[] }): Promise<unknown> {
    return this.post('/api/v1/sources', source);
  }

  /** Sends a GitHub-style push webhook for a source (the hub fetches at once). */
  pushWebhook(source: string, after: string, ref = 'refs/heads/main'): Promise<unknown> {
    return this.post(`/api/v1/sources/${source}/webhook`, { ref, after });
  }

  /** Lists targets, optionally of one cluster and/or bundle. */
  targets(filter: { cluster?: string; bundle?: string } = {}): Promise<TargetView[]> {
    const q = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== undefined) as Array<[string, string]>);
    return this.get<TargetView[]>(`/api/v1/targets${q.size ? `?${q}` : ''}`);
  }

  /** One target. */
  target(cluster: string, bundleId: string): Promise<TargetView> {
    return this.get<TargetView>(`/api/v1/targets/${cluster}/${bundleId}`);
  }

  /** Asks the cluster's agent what applying the target's desired state would change. */
  diff(cluster: string, bundleId: string): Promise<DiffView> {
    return this.get<DiffView>(`/api/v1/targets/${cluster}/${bundleId}/diff`);
  }

  /** Manual sync of a bundle, optionally on one cluster only. */
  sync(bundleId: string, cluster?: string): Promise<unknown> {
    return this.post(`/api/v1/bundles/${bundleId}/sync`, cluster ? { cluster } : {});
  }

  /** The latest status reports of a target, newest first. */
  history(cluster: string, bundleId: string): Promise<HistoryEntryView[]> {
    return this.get<HistoryEntryView[]>(`/api/v1/targets/${cluster}/${bundleId}/history`);
  }

  /** The newest `limit` audit log entries, newest first (admin only). */
  audit(limit = 1000): Promise<AuditEntryView[]> {
    return this.get<AuditEntryView[]>(`/api/v1/audit?limit=${limit}`);
  }

  /** Starts a preview of a source at a branch or revision (202, Pending). */
  createPreview(source: string, ref: { branch: string } | { revision: string }): Promise<PreviewView> {
    return this.post<PreviewView>(`/api/v1/sources/${source}/previews`, ref);
  }

  /** One preview. */
  preview(id: string): Promise<PreviewView> {
    return this.get<PreviewView>(`/api/v1/previews/${id}`);
  }

  /** The newest previews of a source, newest first. */
  previews(source: string): Promise<PreviewView[]> {
    return this.get<PreviewView[]>(`/api/v1/sources/${source}/previews`);
  }

  /** Lists bundles. */
  bundles(): Promise<BundleView[]> {
    return this.get<BundleView[]>('/api/v1/bundles');
  }
}
