/**
 * Spoke-side hold (issue #11): the spoke's own operators say "do not update me now", by an agent
 * setting (`--hold <reason>`) or by a ConfigMap in the agent's namespace (`--hold-configmap`,
 * default `gitfleet-hold`, key `reason`). The agent only reports the hold in its heartbeats; it
 * never refuses to apply because of it (the hub holds new revisions back; drift correction and
 * health go on).
 */
import type { Logger } from 'pino';
import type { KubeClient } from './client.js';
import { errorMessage } from './errors.js';
import type { KubeObject } from './types.js';

/** A hold in force: the operators' reason, since when, and where it was said. */
export interface SpokeHold {
  /** the operators' words; `held by <source>` when they gave none */
  reason: string;
  /** when the hold began: the ConfigMap's creationTimestamp, or the agent's start for the setting */
  since: Date;
  /** `setting` (--hold) or `configmap <namespace>/<name>`; both joined by ", " */
  source: string;
}

/** Longest reason reported, characters (a ConfigMap value may be up to 1 MiB). */
export const MAX_HOLD_REASON = 1024;

/**
 * The hold a ConfigMap says (pure): present ConfigMap → held, with `data.reason` (trimmed, at most
 * MAX_HOLD_REASON characters; `held by configmap <ns>/<name>` when empty or missing), since its
 * `metadata.creationTimestamp` (`fallbackSince` when that is missing or unparsable).
 * A ConfigMap being deleted (deletionTimestamp set) still holds until it is gone.
 */
export function holdFromConfigMap(cm: KubeObject | null, fallbackSince: Date): SpokeHold | undefined {
  if (!cm) return undefined;
  const meta = (cm.metadata ?? {}) as { name?: string; namespace?: string; creationTimestamp?: string };
  const source = `configmap ${meta.namespace ?? ''}/${meta.name ?? ''}`;
  const data = (cm as { data?: Record<string, unknown> }).data;
  const raw = typeof data?.reason === 'string' ? data.reason.trim() : '';
  const created = meta.creationTimestamp ? new Date(meta.creationTimestamp) : undefined;
  return {
    reason: raw ? raw.slice(0, MAX_HOLD_REASON) : `held by ${source}`,
    since: created && !Number.isNaN(created.getTime()) ? created : fallbackSince,
    source,
  };
}

/**
 * Joins the setting's hold and the ConfigMap's (pure): either alone as it is; both → reasons
 * joined by "; ", sources by ", ", since the earlier of the two.
 */
export function combineHolds(a: SpokeHold | undefined, b: SpokeHold | undefined): SpokeHold | undefined {
  if (!a || !b) return a ?? b;
  return {
    reason: `${a.reason}; ${b.reason}`.slice(0, MAX_HOLD_REASON),
    since: a.since.getTime() <= b.since.getTime() ? a.since : b.since,
    source: `${a.source}, ${b.source}`,
  };
}

/** Options of HoldWatcher. */
export interface HoldWatcherOptions {
  /** the agent's namespace (where the ConfigMap lives) */
  namespace: string;
  /** the ConfigMap's name; undefined → no ConfigMap is read */
  configMap: string | undefined;
  /** the agent setting's reason (--hold); undefined → none */
  settingReason: string | undefined;
  /** poll period of the ConfigMap, ms */
  pollIntervalMs: number;
  /** called after a poll that changed the hold (e.g. to send a heartbeat at once) */
  onChange?: (hold: SpokeHold | undefined) => void;
}

/**
 * Keeps the current spoke-side hold: the setting's (fixed, since the agent's start) plus the
 * ConfigMap's, read every `pollIntervalMs` (a GET of one object). A read that fails for any reason
 * but NotFound keeps the last known ConfigMap hold (an apiserver outage does not lift a hold) and
 * is logged; NotFound lifts it.
 */
export class HoldWatcher {
  private readonly setting: SpokeHold | undefined;
  private fromConfigMap: SpokeHold | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly kube: Pick<KubeClient, 'getObject'>,
    private readonly opts: HoldWatcherOptions,
    private readonly log: Logger,
    startedAt = new Date(),
  ) {
    this.setting = opts.settingReason ? { reason: opts.settingReason.slice(0, MAX_HOLD_REASON), since: startedAt, source: 'setting' } : undefined;
  }

  /** The hold in force now, or undefined. */
  get current(): SpokeHold | undefined {
    return combineHolds(this.setting, this.fromConfigMap);
  }

  /** Polls now, then every interval (no timer without a ConfigMap to read). */
  start(): void {
    if (this.setting) this.log.info({ reason: this.setting.reason }, 'spoke-side hold set by --hold: the hub holds new revisions back');
    if (!this.opts.configMap) return;
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.opts.pollIntervalMs);
    this.timer.unref();
  }

  /** Stops polling. */
  stop(): void {
    clearInterval(this.timer);
  }

  /** One read of the ConfigMap; resolves when done (never rejects). */
  async poll(): Promise<void> {
    if (!this.opts.configMap || this.polling) return;
    this.polling = true;
    try {
      const cm = await this.kube.getObject({ apiVersion: 'v1', kind: 'ConfigMap', namespace: this.opts.namespace, name: this.opts.configMap });
      const before = this.fromConfigMap;
      // without a creationTimestamp, since is when this agent first saw the hold (it must not move)
      this.fromConfigMap = holdFromConfigMap(cm, before?.since ?? new Date());
      if (!sameHold(before, this.fromConfigMap)) {
        const held = this.fromConfigMap;
        if (held) this.log.info({ reason: held.reason, source: held.source, since: held.since.toISOString() }, 'spoke-side hold set: the hub holds new revisions back');
        else this.log.info({ configMap: `${this.opts.namespace}/${this.opts.configMap}` }, 'spoke-side hold ConfigMap gone: hold lifted');
        this.opts.onChange?.(this.current);
      }
    } catch (err) {
      this.log.warn({ configMap: `${this.opts.namespace}/${this.opts.configMap}`, reason: errorMessage(err) }, 'cannot read the hold ConfigMap; keeping the last known hold');
    } finally {
      this.polling = false;
    }
  }
}

function sameHold(a: SpokeHold | undefined, b: SpokeHold | undefined): boolean {
  if (!a || !b) return a === b;
  return a.reason === b.reason && a.source === b.source && a.since.getTime() === b.since.getTime();
}
