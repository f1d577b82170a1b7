/**
 * Kubernetes client of the agent: a lean raw-JSON client over one keep-alive `node:https` agent.
 * Lean on purpose, for the agent's memory target: loading `@kubernetes/client-node` in-process
 * costs 50–90 MiB (every generated API and model; ~257 MiB idle RSS with 1,000 objects under
 * watch with it, 74.3 MiB without, agent/README.md "Memory", `npm run bench:agent`).
 * Discovery (resource name and namespaced-ness per apiVersion/kind, cached), get / list /
 * server-side apply / create / delete and streamed watches; objects travel as plain JSON, so no
 * field of a newer API version is ever dropped by a typed serializer.
 *
 * Connection details (server, TLS material, credentials) come from the kubeconfig through
 * `resolveConnection` (connection.ts), which runs `@kubernetes/client-node` in a short-lived
 * child process: exec plugins, auth providers and in-cluster token files behave as with
 * client-node, but its generated APIs never stay resident. The connection is resolved again on
 * a 401 (then the request is retried once) and every `refreshIntervalMs` (rotating in-cluster
 * tokens, expiring exec credentials).
 */
import http from 'node:http';
import https from 'node:https';
import { AGENT_VERSION } from '../version.js';
import { type KubeConnection, resolveConnection } from './connection.js';
import type { KubeObject, ObjectRef } from './types.js';

/** Scope of a kind as served by the apiserver. */
export interface KindScope {
  /** plural resource name, e.g. `deployments` */
  resource: string;
  namespaced: boolean;
}

/** Options of one write. */
export interface ApplyOptions {
  fieldManager: string;
  force: boolean;
  /** server-side dry run (dryRun=All): validated, defaulted and merged, nothing persisted */
  dryRun?: boolean;
}

/** Identity and version of one listed object (PartialObjectMetadata). */
export interface ListedMeta {
  name: string;
  namespace: string;
  resourceVersion: string;
}

/** Options of `KubeClient.connect`. */
export interface KubeClientOptions {
  /** re-resolve the connection this often, ms (default 5 min; 0 = never) */
  refreshIntervalMs?: number;
  /** called when a periodic re-resolution fails (the previous connection stays in use) */
  onRefreshError?: (err: unknown) => void;
  /** resolver of the connection (default: `resolveConnection(kubeconfig)` in a child process) */
  resolve?: () => Promise<KubeConnection>;
}

/** `details.name` of a Kubernetes Status body (a NotFound for a missing object names it), else undefined. */
function notFoundName(body: string): string | undefined {
  try {
    const status = JSON.parse(body) as { details?: { name?: unknown } };
    return typeof status.details?.name === 'string' ? status.details.name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A non-2xx answer of the apiserver. Shaped like client-node's ApiException (`code`, `body`,
 * message `HTTP-Code: …`), which `classifyKubeError` duck-types.
 */
export class KubeApiError extends Error {
  /** HTTP status code */
  readonly code: number;
  /** response body as text (usually a Kubernetes Status in JSON) */
  readonly body: string;

  constructor(code: number, body: string, prefix = '') {
    super(`${prefix}HTTP-Code: ${code}\nMessage: Unsuccessful HTTP Request\nBody: ${body}`);
    this.name = 'KubeApiError';
    this.code = code;
    this.body = body;
  }
}

/** Query parameters of a request; undefined values are left out. */
type Query = Record<string, string | number | boolean | undefined>;

interface RequestSpec {
  method: string;
  path: string;
  query?: Query;
  accept?: string;
  contentType?: string;
  body?: string;
}

/** One served resource of an apiVersion (discovery). */
interface Served {
  kind: string;
  name: string;
  namespaced: boolean;
}

const USER_AGENT = `gitfleet-agent/${AGENT_VERSION}`;
/** Per-request timeout, milliseconds: a hung apiserver counts as unreachable (transient). */
const REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_REFRESH_MS = 5 * 60_000;
/** How long an agent replaced by a refresh is kept for requests (watches) still running on it. */
const OLD_AGENT_GRACE_MS = 10 * 60_000;

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** True when two connections need different sockets (TLS material, server or proxy differ). */
function sameTransport(a: KubeConnection, b: KubeConnection): boolean {
  return a.server === b.server && a.proxyUrl === b.proxyUrl && a.rejectUnauthorized === b.rejectUnauthorized && a.servername === b.servername
    && a.passphrase === b.passphrase && sameBytes(a.ca, b.ca) && sameBytes(a.cert, b.cert) && sameBytes(a.key, b.key) && sameBytes(a.pfx, b.pfx);
}

/** A keep-alive agent carrying the connection's TLS options (and its proxy, when set). */
function makeAgent(conn: KubeConnection): http.Agent {
  const tls = new URL(conn.server).protocol === 'https:';
  if (conn.proxyUrl && !/^https?:/.test(conn.proxyUrl)) throw new Error(`unsupported proxy-url ${conn.proxyUrl}: only http(s) proxies are supported`);
  const proxy = conn.proxyUrl ? { proxyEnv: { HTTPS_PROXY: conn.proxyUrl, HTTP_PROXY: conn.proxyUrl } } : {};
  const base = { keepAlive: true, keepAliveMsecs: 30_000, scheduling: 'lifo' as const, ...proxy };
  if (!tls) return new http.Agent(base);
  return new https.Agent({
    ...base,
    ca: conn.ca ? Buffer.from(conn.ca) : undefined,
    cert: conn.cert ? Buffer.from(conn.cert) : undefined,
    key: conn.key ? Buffer.from(conn.key) : undefined,
    pfx: conn.pfx ? Buffer.from(conn.pfx) : undefined,
    passphrase: conn.passphrase,
    servername: conn.servername,
    ...(conn.rejectUnauthorized !== undefined ? { rejectUnauthorized: conn.rejectUnauthorized } : {}),
  });
}

/**
 * Raw-JSON object client (see the module comment). Every method throws a `KubeApiError` on a
 * non-2xx answer and a plain Error when the apiserver cannot be reached; classify them with
 * `classifyKubeError`.
 */
export class KubeClient {
  private conn: KubeConnection;
  private agent: http.Agent;
  private base: URL;
  private readonly discovery = new Map<string, Served[]>();
  private refreshing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  /** The apiserver's `/version` gitVersion as last read (`readVersion`); '' until read. */
  kubernetesVersion = '';

  /** Namespace of the kubeconfig's current context (else `default`): used for namespaced objects without one. */
  get defaultNamespace(): string {
    return this.conn.defaultNamespace;
  }

  /**
   * Builds a client on a resolved connection. Prefer `KubeClient.connect`.
   * @param resolve re-resolves the connection (on 401 and periodically); none → never refreshed
   */
  constructor(conn: KubeConnection, private readonly resolve?: () => Promise<KubeConnection>, opts: Omit<KubeClientOptions, 'resolve'> = {}) {
    this.conn = conn;
    this.agent = makeAgent(conn);
    this.base = new URL(conn.server);
    const every = opts.refreshIntervalMs ?? DEFAULT_REFRESH_MS;
    if (resolve && every > 0) {
      this.timer = setInterval(() => {
        this.refresh().catch((err: unknown) => opts.onRefreshError?.(err));
      }, every);
      this.timer.unref();
    }
  }

  /**
   * Resolves the kubeconfig (`path` when given; else the in-cluster config in a pod, i.e. with
   * KUBERNETES_SERVICE_HOST set; else client-node's default: $KUBECONFIG, ~/.kube/config) in a
   * child process and builds a client on it.
   * @throws Error when the kubeconfig cannot be loaded
   */
  static async connect(path?: string, opts: KubeClientOptions = {}): Promise<KubeClient> {
    const resolve = opts.resolve ?? (() => resolveConnection(path));
    return new KubeClient(await resolve(), resolve, opts);
  }

  /** Stops the periodic refresh and closes idle connections. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.agent.destroy();
  }

  /** Resolves the connection again (concurrent callers share one resolution). */
  refresh(): Promise<void> {
    if (!this.resolve) return Promise.resolve();
    this.refreshing ??= this.resolve().then((conn) => {
      if (!sameTransport(conn, this.conn)) {
        const old = this.agent;
        this.agent = makeAgent(conn);
        this.base = new URL(conn.server);
        setTimeout(() => old.destroy(), OLD_AGENT_GRACE_MS).unref();
      }
      this.conn = conn;
      // the server may have changed (or been upgraded): read its version again, in the background
      this.readVersion().catch(() => undefined);
    }).finally(() => { this.refreshing = undefined; });
    return this.refreshing;
  }

  /**
   * Reads the apiserver's `/version` and keeps its gitVersion (e.g. `v1.36.3`) in
   * `kubernetesVersion`. Also done after every re-resolution of the connection.
   * @throws KubeApiError or Error when the apiserver cannot be read
   */
  async readVersion(): Promise<string> {
    const v = await this.requestJson<{ gitVersion?: unknown }>({ method: 'GET', path: '/version' });
    if (typeof v.gitVersion === 'string' && v.gitVersion !== '') this.kubernetesVersion = v.gitVersion;
    return this.kubernetesVersion;
  }

  /**
   * Scope of `apiVersion`/`kind` from discovery (cached per apiVersion; a miss re-reads it, so a
   * kind added by a freshly established CRD is found). Undefined when the kind is not served.
   * @throws KubeApiError 404 ("Failed to fetch resource metadata …") when the apiVersion itself is not served
   */
  async scopeOf(apiVersion: string, kind: string): Promise<KindScope | undefined> {
    const find = (list: Served[] | undefined) => list?.find((r) => r.kind === kind);
    let r = find(this.discovery.get(apiVersion));
    if (!r) {
      let text: string;
      try {
        text = await this.requestText({ method: 'GET', path: this.apiVersionPath(apiVersion), accept: 'application/json, */*;q=0.8' });
      } catch (err) {
        if (err instanceof KubeApiError) throw new KubeApiError(err.code, err.body, `Failed to fetch resource metadata for ${apiVersion}/${kind}: `);
        if (err instanceof Error) err.message = `Failed to fetch resource metadata for ${apiVersion}/${kind}: ${err.message}`;
        throw err;
      }
      const list = (JSON.parse(text) as { resources?: Served[] }).resources ?? [];
      const served = list.filter((s) => !s.name.includes('/')).map((s) => ({ kind: s.kind, name: s.name, namespaced: s.namespaced }));
      this.discovery.set(apiVersion, served);
      r = find(served);
    }
    return r ? { resource: r.name, namespaced: r.namespaced } : undefined;
  }

  /**
   * Reads an object; null when it does not exist: a 404 whose Status names the object
   * (`details.name`, as the apiserver's NotFound for a missing object does). Any other 404 (no
   * such resource: the apiVersion is no longer served, e.g. a CRD version turned off after
   * discovery was cached) drops the cached discovery of that apiVersion and throws, so a caller
   * never takes an object for gone because its kind stopped being served.
   * @throws KubeApiError "the server could not find the requested resource" for an unserved kind
   */
  async getObject(ref: ObjectRef): Promise<KubeObject | null> {
    const path = await this.objectPath(ref.apiVersion, ref.kind, ref.namespace, ref.name);
    try {
      return await this.requestJson<KubeObject>({ method: 'GET', path });
    } catch (err) {
      if (err instanceof KubeApiError && err.code === 404) {
        if (notFoundName(err.body) === ref.name) return null;
        this.discovery.delete(ref.apiVersion);
        throw new KubeApiError(404, err.body, `the server could not find the requested resource (${ref.apiVersion} ${ref.kind} not served): `);
      }
      throw err;
    }
  }

  /** Server-side apply (PATCH application/apply-patch+yaml, a JSON body) of a full object. */
  async applyObject(obj: KubeObject, opts: ApplyOptions): Promise<KubeObject> {
    const path = await this.objectPath(obj.apiVersion, obj.kind, obj.metadata.namespace ?? '', obj.metadata.name);
    return this.requestJson<KubeObject>({
      method: 'PATCH', path, contentType: 'application/apply-patch+yaml', body: JSON.stringify(obj),
      query: { fieldManager: opts.fieldManager, force: opts.force ? 'true' : undefined, dryRun: opts.dryRun ? 'All' : undefined },
    });
  }

  /**
   * Patches an object with a JSON Patch (RFC 6902, `application/json-patch+json`); returns the
   * object after the patch. A stale `/metadata/resourceVersion` in the patch fails with 409.
   */
  async patchObject(ref: ObjectRef, patch: readonly unknown[], fieldManager: string): Promise<KubeObject> {
    const path = await this.objectPath(ref.apiVersion, ref.kind, ref.namespace, ref.name);
    return this.requestJson<KubeObject>({ method: 'PATCH', path, contentType: 'application/json-patch+json', body: JSON.stringify(patch), query: { fieldManager } });
  }

  /** Creates an object (POST). */
  async createObject(obj: KubeObject, fieldManager: string): Promise<KubeObject> {
    const path = await this.objectPath(obj.apiVersion, obj.kind, obj.metadata.namespace ?? '', '');
    return this.requestJson<KubeObject>({ method: 'POST', path, contentType: 'application/json', body: JSON.stringify(obj), query: { fieldManager } });
  }

  /**
   * Deletes an object with the given propagation policy. Returns false when it did not exist
   * (404), true when the delete was accepted. `preconditions.uid`: the apiserver deletes only the
   * object with that uid (DeleteOptions.preconditions) and answers 409 Conflict otherwise.
   */
  async deleteObject(ref: ObjectRef, propagationPolicy: 'Background' | 'Foreground' | 'Orphan' = 'Background', preconditions?: { uid: string }): Promise<boolean> {
    const path = await this.objectPath(ref.apiVersion, ref.kind, ref.namespace, ref.name);
    try {
      await this.requestText(preconditions
        ? { method: 'DELETE', path, contentType: 'application/json', body: JSON.stringify({ apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy, preconditions }) }
        : { method: 'DELETE', path, query: { propagationPolicy } });
      return true;
    } catch (err) {
      if (err instanceof KubeApiError && err.code === 404) return false;
      throw err;
    }
  }

  /** Lists objects of a kind in a namespace (or cluster-wide with ''), optionally by label. */
  async listObjects(apiVersion: string, kind: string, namespace: string, labelSelector?: string): Promise<KubeObject[]> {
    const path = await this.collectionPath(apiVersion, kind, namespace);
    const list = await this.requestJson<{ items?: KubeObject[] }>({ method: 'GET', path, query: { labelSelector } });
    return list.items ?? [];
  }

  /**
   * Lists only the metadata of a kind's objects in a namespace ('' = all, or cluster-scoped),
   * optionally by label (Accept: PartialObjectMetadataList): names and resourceVersions plus the
   * list's resourceVersion to start a watch from, without the objects' bodies.
   * @throws Error "Unrecognized API version and kind" when the kind is not served
   */
  async listMeta(apiVersion: string, kind: string, namespace: string, labelSelector?: string): Promise<{ items: ListedMeta[]; resourceVersion: string }> {
    const path = await this.collectionPath(apiVersion, kind, namespace);
    const list = await this.requestJson<{ metadata?: { resourceVersion?: string }; items?: Array<{ metadata?: { name?: string; namespace?: string; resourceVersion?: string } }> }>({
      method: 'GET', path, query: { labelSelector }, accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
    });
    return {
      resourceVersion: list.metadata?.resourceVersion ?? '',
      items: (list.items ?? []).map((i) => ({ name: i.metadata?.name ?? '', namespace: i.metadata?.namespace ?? '', resourceVersion: i.metadata?.resourceVersion ?? '' })),
    };
  }

  /**
   * URL path of a kind's collection in a namespace ('' = every namespace; ignored for a
   * cluster-scoped kind), e.g. `/api/v1/namespaces/app/configmaps`.
   * @throws Error "Unrecognized API version and kind" when the kind is not served
   */
  async collectionPath(apiVersion: string, kind: string, namespace: string): Promise<string> {
    const scope = await this.scopeOf(apiVersion, kind);
    if (!scope) throw new Error(`Unrecognized API version and kind: ${apiVersion} ${kind}`);
    const parts = [this.apiVersionPath(apiVersion)];
    if (scope.namespaced && namespace) parts.push('namespaces', encodeURIComponent(namespace));
    parts.push(scope.resource);
    return parts.join('/');
  }

  /**
   * URL path of an object (or of its collection when `name` is ''), from discovery. Names are
   * kept as given (upper-case letters are valid for e.g. ClusterRoles; an invalid name gets the
   * apiserver's own validation message).
   * @throws Error "Unrecognized API version and kind" when the kind is not served
   */
  async objectPath(apiVersion: string, kind: string, namespace: string, name: string): Promise<string> {
    const scope = await this.scopeOf(apiVersion, kind);
    if (!scope) throw new Error(`Unrecognized API version and kind: ${apiVersion} ${kind}`);
    const parts = [this.apiVersionPath(apiVersion)];
    if (scope.namespaced) parts.push('namespaces', encodeURIComponent(namespace || this.defaultNamespace));
    parts.push(scope.resource);
    if (name) parts.push(encodeURIComponent(name));
    return parts.join('/');
  }

  /**
   * Streams a watch (`GET path?watch=1&…`): calls `onEvent` with every newline-delimited JSON
   * event until the server ends the response (resolves), `signal` aborts it (resolves), nothing
   * arrives for `idleTimeoutMs` (rejects) or the request fails (rejects; a non-2xx answer as a
   * `KubeApiError`).
   */
  async watch(path: string, query: Query, onEvent: (type: string, obj: unknown) => void, signal: AbortSignal, idleTimeoutMs: number): Promise<void> {
    const spec: RequestSpec = { method: 'GET', path, query: { ...query, watch: '1' } };
    try {
      await this.stream(spec, onEvent, signal, idleTimeoutMs);
    } catch (err) {
      if (!(err instanceof KubeApiError && err.code === 401) || !this.resolve) throw err;
      await this.refresh();
      await this.stream(spec, onEvent, signal, idleTimeoutMs);
    }
  }

  private apiVersionPath(apiVersion: string): string {
    return `/${apiVersion.includes('/') ? 'apis' : 'api'}/${apiVersion}`;
  }

  private async requestJson<T>(spec: RequestSpec): Promise<T> {
    const text = await this.requestText(spec);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** Sends a request and returns the body of a 2xx answer; on a 401 resolves the connection again and retries once. */
  private async requestText(spec: RequestSpec): Promise<string> {
    try {
      return await this.send(spec);
    } catch (err) {
      if (!(err instanceof KubeApiError && err.code === 401) || !this.resolve) throw err;
      await this.refresh();
      return this.send(spec);
    }
  }

  private open(spec: RequestSpec, signal: AbortSignal, onResponse: (res: http.IncomingMessage) => void, onError: (err: Error) => void): void {
    const url = new URL(this.base.href.replace(/\/$/, '') + spec.path);
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { ...this.conn.headers, 'User-Agent': USER_AGENT, Accept: spec.accept ?? 'application/json' };
    if (spec.contentType) headers['Content-Type'] = spec.contentType;
    if (spec.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(spec.body));
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(url, { method: spec.method, headers, agent: this.agent, signal }, onResponse);
    req.on('error', onError);
    req.end(spec.body);
  }

  private send(spec: RequestSpec): Promise<string> {
    return new Promise((resolve, reject) => {
      this.open(spec, AbortSignal.timeout(REQUEST_TIMEOUT_MS), (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status <= 299) resolve(text);
          else reject(new KubeApiError(status, text));
        });
      }, reject);
    });
  }

  private stream(spec: RequestSpec, onEvent: (type: string, obj: unknown) => void, signal: AbortSignal, idleTimeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return resolve();
      const local = new AbortController();
      let idle: NodeJS.Timeout | undefined;
      let done = false;
      const finish = (err?: Error) => {
        if (done) return;
        done = true;
        clearTimeout(idle);
        signal.removeEventListener('abort', onAbort);
        if (err && !signal.aborted) reject(err);
        else resolve();
      };
      const onAbort = () => { local.abort(); finish(); };
      const arm = () => {
        clearTimeout(idle);
        idle = setTimeout(() => { local.abort(); finish(new Error(`watch idle for ${idleTimeoutMs} ms`)); }, idleTimeoutMs);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      arm();
      this.open(spec, local.signal, (res) => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => finish(new KubeApiError(status, Buffer.concat(chunks).toString('utf8'))));
          res.on('error', (err) => finish(err));
          return;
        }
        res.setEncoding('utf8');
        let buf = '';
        res.on('data', (chunk: string) => {
          arm();
          buf += chunk;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (!line || done) continue;
            let ev: { type?: string; object?: unknown };
            try {
              ev = JSON.parse(line) as { type?: string; object?: unknown };
            } catch (err) {
              local.abort();
              finish(new Error(`bad watch event: ${(err as Error).message}`));
              return;
            }
            if (ev.type) onEvent(ev.type, ev.object);
          }
        });
        res.on('end', () => finish());
        res.on('error', (err) => finish(err));
        res.on('close', () => finish());
      }, (err) => finish(err));
    });
  }
}
