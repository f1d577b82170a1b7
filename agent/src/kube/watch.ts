/**
 * Shared live watches: one list+watch per (apiVersion, kind, namespace) that any target applied
 * to, whatever the number of targets or objects behind it (streamed `?watch=1` requests of the
 * lean client, not an informer: no object cache is kept, only each watch's resourceVersion).
 *
 * Each watch lists object metadata first (PartialObjectMetadataList: names and
 * resourceVersions, no bodies) and hands that snapshot over as a SYNC event, so a consumer can
 * tell what changed or vanished while it was not watching; then it watches from the list's
 * resourceVersion with bookmarks. When the server ends a watch (timeoutSeconds) it resumes from the
 * last resourceVersion; on 410 Gone, or after an error, it lists again (with backoff). Only
 * objects labelled `app.kubernetes.io/managed-by=gitfleet` are watched: the agent labels every
 * object it applies. An object that loses the label looks deleted to the watch; consumers should
 * confirm a DELETED with a read.
 */
import type { Logger } from 'pino';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../labels.js';
import { backoffDelay } from '../util/backoff.js';
import { KubeApiError, type KubeClient, type ListedMeta } from './client.js';
import { errorMessage } from './errors.js';
import type { KubeObject } from './types.js';

/** What one watch covers; namespace '' for a cluster-scoped kind. */
export interface WatchKey {
  apiVersion: string;
  kind: string;
  namespace: string;
}

/** A change seen by a watch, or the snapshot listed when a watch (re)starts. */
export type LiveEvent =
  | { key: WatchKey; type: 'ADDED' | 'MODIFIED' | 'DELETED'; obj: KubeObject }
  | { key: WatchKey; type: 'SYNC'; items: ListedMeta[] };

/** Options of the watcher. */
export interface LiveWatchOptions {
  /** label selector of every watch (default managed-by=gitfleet) */
  labelSelector?: string;
  /** server-side watch timeout, seconds (the watch then resumes from its resourceVersion) */
  timeoutSeconds?: number;
}

/** Text form of a watch key, `apiVersion|kind|namespace` (a map key). */
export function watchKeyString(k: WatchKey): string {
  return `${k.apiVersion}|${k.kind}|${k.namespace}`;
}

interface Loop {
  key: WatchKey;
  stopped: boolean;
  /** resourceVersion to resume from; undefined → list first */
  rv: string | undefined;
  abort: AbortController | undefined;
  wake: (() => void) | undefined;
}

/** A set of shared watches, started and stopped by `setWatched` (see module comment). */
export class LiveWatcher {
  private readonly loops = new Map<string, Loop>();
  private readonly labelSelector: string;
  private readonly timeoutSeconds: number;

  constructor(
    private readonly client: KubeClient,
    private readonly onEvent: (e: LiveEvent) => void,
    private readonly log: Logger,
    opts: LiveWatchOptions = {},
  ) {
    this.labelSelector = opts.labelSelector ?? `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;
    this.timeoutSeconds = opts.timeoutSeconds ?? 300;
  }

  /** Number of open watches. */
  get size(): number {
    return this.loops.size;
  }

  /** Watches exactly `keys`: starts the new ones, stops those no longer wanted. */
  setWatched(keys: Iterable<WatchKey>): void {
    const want = new Map<string, WatchKey>();
    for (const k of keys) want.set(watchKeyString(k), k);
    for (const [s, loop] of this.loops) {
      if (!want.has(s)) this.end(s, loop);
    }
    for (const [s, key] of want) {
      if (this.loops.has(s)) continue;
      const loop: Loop = { key, stopped: false, rv: undefined, abort: undefined, wake: undefined };
      this.loops.set(s, loop);
      this.log.debug({ watch: s }, 'watch started');
      void this.run(loop);
    }
  }

  /** Stops every watch. */
  stop(): void {
    for (const [s, loop] of this.loops) this.end(s, loop);
  }

  private end(s: string, loop: Loop): void {
    loop.stopped = true;
    loop.abort?.abort();
    loop.wake?.();
    this.loops.delete(s);
    this.log.debug({ watch: s }, 'watch stopped');
  }

  private async run(loop: Loop): Promise<void> {
    const { apiVersion, kind, namespace } = loop.key;
    for (let attempt = 0; !loop.stopped;) {
      try {
        if (loop.rv === undefined) {
          const list = await this.client.listMeta(apiVersion, kind, namespace, this.labelSelector);
          if (loop.stopped) return;
          loop.rv = list.resourceVersion;
          this.onEvent({ key: loop.key, type: 'SYNC', items: list.items });
        }
        const path = await this.client.collectionPath(apiVersion, kind, namespace);
        const ended = await this.watchOnce(loop, path);
        if (ended === 'gone') loop.rv = undefined;
        attempt = 0;
      } catch (err) {
        if (loop.stopped) return;
        const delay = backoffDelay(attempt++, { baseMs: 500, maxMs: 30_000 });
        this.log.warn({ watch: watchKeyString(loop.key), reason: errorMessage(err), retryInMs: delay }, 'watch failed; listing again');
        loop.rv = undefined;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delay);
          loop.wake = () => { clearTimeout(t); resolve(); };
        });
        loop.wake = undefined;
      }
    }
  }

  /** One watch request; resolves 'ended' when the server closed it, 'gone' on 410. */
  private async watchOnce(loop: Loop, path: string): Promise<'ended' | 'gone'> {
    let gone = false;
    const ac = new AbortController();
    loop.abort = ac;
    if (loop.stopped) ac.abort();
    try {
      // a watch silent for this long is dead; the server's own timeout comes first
      await this.client.watch(path, {
        resourceVersion: loop.rv,
        allowWatchBookmarks: true,
        labelSelector: this.labelSelector,
        timeoutSeconds: this.timeoutSeconds,
      }, (type: string, obj: unknown) => {
        if (loop.stopped || ac.signal.aborted) return;
        const o = obj as KubeObject & { code?: number };
        if (type === 'ERROR') {
          if (o.code === 410) gone = true;
          ac.abort();
          return;
        }
        const rv = o.metadata?.resourceVersion;
        if (rv) loop.rv = rv;
        if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') {
          this.onEvent({ key: loop.key, type, obj: { ...o, apiVersion: o.apiVersion ?? loop.key.apiVersion, kind: o.kind ?? loop.key.kind } });
        }
      }, ac.signal, (this.timeoutSeconds + 30) * 1000);
    } catch (err) {
      if (gone) return 'gone';
      if (err instanceof KubeApiError && err.code === 410) return 'gone';
      throw err;
    } finally {
      if (loop.abort === ac) loop.abort = undefined;
    }
    return gone ? 'gone' : 'ended';
  }
}
