/**
 * Where the last verified desired state of each target is kept, so an agent started while NATS
 * is unreachable can enforce it at once (state-cache.ts). One record per target: the KV value
 * bytes exactly as read (the signed DesiredState), its KV revision, and the bundle manifest
 * bytes its digest names. Both are verified again when loaded (reconcile.ts: decode + signature;
 * the bundle: sha256 digest), with the same code as the normal path, so a record edited on the
 * cluster is refused like a tampered KV value.
 *
 * Two stores:
 *   - `SecretStateStore` (default, `--state-cache secret`): one Secret per target in the agent's
 *     namespace, named `gitfleet-state-<sha256(bundle id)[:20]>`, labelled
 *     `app.kubernetes.io/managed-by: gitfleet` and `gitfleet.io/state-cache: "v1"`, with the
 *     bundle id, KV revision and digest in annotations and the two byte strings gzip'd in `data`
 *     (a Secret, not a ConfigMap: a bundle may hold Secrets). Bound: a Secret holds at most
 *     1 MiB (Kubernetes MaxSecretSize); a record whose compressed bytes exceed
 *     `MAX_SECRET_RECORD_BYTES` (1,000,000) is skipped with a warning — that target then waits
 *     for NATS on a cold start, as before.
 *   - `DirStateStore` (`--state-cache <dir>`, out of cluster): one file per target in a local
 *     directory (same encoding, JSON), written atomically (temp file + rename); no size bound.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { KubeClient } from '../kube/client.js';
import { ensureNamespace } from '../kube/apply.js';
import type { KubeObject } from '../kube/types.js';
import { FIELD_MANAGER, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../labels.js';

/** One target's last verified desired state. */
export interface CachedTarget {
  bundleId: string;
  /** KV revision of `desired` (the watch skips the same entry when it replays it) */
  revision: number;
  /** the KV value bytes (DesiredState protobuf, signed) */
  desired: Uint8Array;
  /** the bundle digest `desired` names (sha256-<hex>) */
  digest: string;
  /** the BundleManifest bytes of `digest` */
  bundle: Uint8Array;
}

/** A place to keep CachedTargets. Methods throw on I/O failure. */
export interface StateStore {
  /** every record (undecodable ones are returned in `errors`, never thrown) */
  loadAll(): Promise<{ targets: CachedTarget[]; errors: string[] }>;
  /** @throws RecordTooLargeError when the record exceeds the store's bound */
  save(t: CachedTarget): Promise<void>;
  remove(bundleId: string): Promise<void>;
}

/** Label marking a state-cache Secret (value: the format version). */
export const STATE_CACHE_LABEL = 'gitfleet.io/state-cache';
const BUNDLE_ID_ANNOTATION = 'gitfleet.io/bundle-id';
const REVISION_ANNOTATION = 'gitfleet.io/kv-revision';
const DIGEST_ANNOTATION = 'gitfleet.io/digest';
/** Largest compressed record a Secret holds (Kubernetes MaxSecretSize is 1 MiB; room for metadata). */
export const MAX_SECRET_RECORD_BYTES = 1_000_000;

/** A record too large for its store. */
export class RecordTooLargeError extends Error {}

/** Name of a target's state Secret / file stem: `gitfleet-state-<sha256(bundle id) first 20 hex>`. */
export function stateName(bundleId: string): string {
  return `gitfleet-state-${createHash('sha256').update(bundleId).digest('hex').slice(0, 20)}`;
}

/**
 * The Secret of a record (pure).
 * @throws RecordTooLargeError when the gzip'd bytes exceed MAX_SECRET_RECORD_BYTES
 */
export function toSecret(t: CachedTarget, namespace: string): KubeObject {
  const desired = gzipSync(t.desired);
  const bundle = gzipSync(t.bundle);
  const size = desired.length + bundle.length;
  if (size > MAX_SECRET_RECORD_BYTES) throw new RecordTooLargeError(`state of ${t.bundleId} is ${size} bytes compressed; a Secret holds at most ${MAX_SECRET_RECORD_BYTES}`);
  return {
    apiVersion: 'v1', kind: 'Secret',
    metadata: {
      name: stateName(t.bundleId), namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [STATE_CACHE_LABEL]: 'v1' },
      annotations: { [BUNDLE_ID_ANNOTATION]: t.bundleId, [REVISION_ANNOTATION]: String(t.revision), [DIGEST_ANNOTATION]: t.digest },
    },
    type: 'Opaque',
    data: { 'desired.gz': desired.toString('base64'), 'bundle.gz': bundle.toString('base64') },
  };
}

/**
 * The record in a state Secret (pure).
 * @throws Error naming the Secret and what is wrong with it
 */
export function fromSecret(s: KubeObject): CachedTarget {
  const name = s.metadata.name;
  const a = s.metadata.annotations ?? {};
  const data = (s.data ?? {}) as Record<string, string>;
  const bundleId = a[BUNDLE_ID_ANNOTATION];
  const revision = Number(a[REVISION_ANNOTATION]);
  const digest = a[DIGEST_ANNOTATION];
  if (!bundleId || !digest || !Number.isSafeInteger(revision) || !data['desired.gz'] || !data['bundle.gz']) {
    throw new Error(`state Secret ${name}: missing bundle id, revision, digest or data`);
  }
  try {
    return { bundleId, revision, digest, desired: gunzipSync(Buffer.from(data['desired.gz'], 'base64')), bundle: gunzipSync(Buffer.from(data['bundle.gz'], 'base64')) };
  } catch (err) {
    throw new Error(`state Secret ${name}: cannot decompress: ${(err as Error).message}`, { cause: err });
  }
}

/** State records as Secrets in the agent's namespace (see module comment). */
export class SecretStateStore implements StateStore {
  constructor(private readonly kube: KubeClient, private readonly namespace: string) {}

  async loadAll(): Promise<{ targets: CachedTarget[]; errors: string[] }> {
    const items = await this.kube.listObjects('v1', 'Secret', this.namespace, `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},${STATE_CACHE_LABEL}=v1`);
    const targets: CachedTarget[] = [];
    const errors: string[] = [];
    for (const s of items) {
      try {
        targets.push(fromSecret(s));
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    return { targets, errors };
  }

  async save(t: CachedTarget): Promise<void> {
    const secret = toSecret(t, this.namespace);
    const apply = () => this.kube.applyObject(secret, { fieldManager: FIELD_MANAGER, force: true });
    try {
      await apply();
    } catch (err) {
      if ((err as { code?: unknown }).code !== 404) throw err;
      await ensureNamespace(this.kube, this.namespace, { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE });
      await apply();
    }
  }

  async remove(bundleId: string): Promise<void> {
    await this.kube.deleteObject({ apiVersion: 'v1', kind: 'Secret', namespace: this.namespace, name: stateName(bundleId) });
  }
}

interface FileRecord {
  bundleId: string;
  revision: number;
  digest: string;
  desired: string;
  bundle: string;
}

/** State records as files in a local directory (see module comment). */
export class DirStateStore implements StateStore {
  constructor(private readonly dir: string) {}

  async loadAll(): Promise<{ targets: CachedTarget[]; errors: string[] }> {
    let files: string[];
    try {
      files = (await readdir(this.dir)).filter((f) => f.startsWith('gitfleet-state-') && f.endsWith('.json'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { targets: [], errors: [] };
      throw err;
    }
    const targets: CachedTarget[] = [];
    const errors: string[] = [];
    for (const f of files) {
      try {
        const r = JSON.parse(await readFile(join(this.dir, f), 'utf8')) as FileRecord;
        targets.push({ bundleId: r.bundleId, revision: r.revision, digest: r.digest, desired: gunzipSync(Buffer.from(r.desired, 'base64')), bundle: gunzipSync(Buffer.from(r.bundle, 'base64')) });
      } catch (err) {
        errors.push(`state file ${join(this.dir, f)}: ${(err as Error).message}`);
      }
    }
    return { targets, errors };
  }

  async save(t: CachedTarget): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const record: FileRecord = {
      bundleId: t.bundleId, revision: t.revision, digest: t.digest,
      desired: gzipSync(t.desired).toString('base64'), bundle: gzipSync(t.bundle).toString('base64'),
    };
    const file = join(this.dir, `${stateName(t.bundleId)}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(record), { mode: 0o600 });
    await rename(tmp, file);
  }

  async remove(bundleId: string): Promise<void> {
    await rm(join(this.dir, `${stateName(bundleId)}.json`), { force: true });
  }
}
