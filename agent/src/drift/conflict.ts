/**
 * Conflict ("fight") tracker for self-heal. Pure: time is a parameter (ms).
 *
 * When self-heal re-applies the same field of the same object `threshold` (3) times within
 * `windowMs` (30 s) and each time the live value had been written by the same other manager, a
 * controller or a person keeps writing it back: healing that object stops for a backoff that
 * doubles per consecutive fight (30 s → 60 s → … ≤ 10 min) and the fight is reported instead of
 * looped (Argo CD's self-heal backoff plays the same role). A pause ends by itself; the level of
 * backoff falls back to the first step after `maxBackoffMs` without a fight, or on `reset`
 * (a new desired state).
 */

/** Options of the tracker (ms). */
export interface ConflictOptions {
  threshold: number;
  windowMs: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
}

/** The defaults: 3 heals in 30 s; 30 s doubling up to 10 min. */
export const CONFLICT_DEFAULTS: ConflictOptions = { threshold: 3, windowMs: 30_000, baseBackoffMs: 30_000, maxBackoffMs: 600_000 };

/** A differing field about to be healed: where, the live value (JSON) and its writer. */
export interface HealField {
  path: string;
  live: string;
  manager: string;
}

/** A detected fight. */
export interface Conflict {
  manager: string;
  path: string;
  message: string;
  /** self-heal of the object resumes at this time (ms) */
  until: number;
}

interface ObjectTrack {
  /** heal times per field path, with the writer the field had each time */
  heals: Map<string, Array<{ at: number; manager: string }>>;
  conflict: Conflict | undefined;
  /** consecutive fights so far (backoff exponent) */
  level: number;
  /** when the last pause ended */
  lastPauseEnd: number;
}

/** Human form of a duration: "30s", "2m", "1m30s". */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  return s % 60 === 0 ? `${s / 60}m` : `${Math.floor(s / 60)}m${s % 60}s`;
}

/** Per-object heal history and pauses (see module comment). Keys are object identities. */
export class ConflictTracker {
  private readonly tracks = new Map<string, ObjectTrack>();

  constructor(private readonly opts: ConflictOptions = CONFLICT_DEFAULTS, private readonly self = 'gitfleet-agent') {}

  /**
   * Decides whether the object may be healed now for these differing fields: undefined = heal;
   * a Conflict = do not (paused, or this heal would be one too many against the same writer).
   */
  check(key: string, fields: readonly HealField[], now: number): Conflict | undefined {
    const t = this.tracks.get(key);
    if (!t) return undefined;
    if (t.conflict && now < t.conflict.until) return t.conflict;
    if (t.conflict) {
      t.lastPauseEnd = t.conflict.until;
      t.conflict = undefined;
    }
    this.prune(t, now);
    for (const f of fields) {
      if (!f.manager || f.manager === this.self) continue;
      const heals = t.heals.get(f.path) ?? [];
      if (heals.length >= this.opts.threshold && heals.every((h) => h.manager === f.manager)) {
        if (now - t.lastPauseEnd > this.opts.maxBackoffMs) t.level = 0;
        const backoff = Math.min(this.opts.maxBackoffMs, this.opts.baseBackoffMs * 2 ** t.level);
        t.level++;
        t.heals.clear();
        t.conflict = {
          manager: f.manager,
          path: f.path,
          message: `field ${f.path} keeps being set to ${f.live} by manager ${f.manager}; self-heal paused ${formatDuration(backoff)}`,
          until: now + backoff,
        };
        return t.conflict;
      }
    }
    return undefined;
  }

  /** Records a heal of these fields at `now`. */
  recordHeal(key: string, fields: readonly HealField[], now: number): void {
    let t = this.tracks.get(key);
    if (!t) {
      t = { heals: new Map(), conflict: undefined, level: 0, lastPauseEnd: -Infinity };
      this.tracks.set(key, t);
    }
    this.prune(t, now);
    for (const f of fields) {
      const list = t.heals.get(f.path) ?? [];
      list.push({ at: now, manager: f.manager });
      t.heals.set(f.path, list);
    }
  }

  /** The active pause of an object, if any. */
  paused(key: string, now: number): Conflict | undefined {
    const c = this.tracks.get(key)?.conflict;
    return c && now < c.until ? c : undefined;
  }

  /** Forgets an object (new desired state, object gone). */
  reset(key: string): void {
    this.tracks.delete(key);
  }

  /** Drops history older than the window, and tracks with nothing left to remember. */
  sweep(now: number): void {
    for (const [key, t] of this.tracks) {
      this.prune(t, now);
      const quiet = !t.conflict || now >= t.conflict.until;
      if (quiet && t.heals.size === 0 && now - Math.max(t.lastPauseEnd, t.conflict?.until ?? -Infinity) > this.opts.maxBackoffMs) this.tracks.delete(key);
    }
  }

  /** Number of objects tracked (memory check). */
  get size(): number {
    return this.tracks.size;
  }

  private prune(t: ObjectTrack, now: number): void {
    for (const [path, list] of t.heals) {
      const kept = list.filter((h) => now - h.at <= this.opts.windowMs);
      if (kept.length === 0) t.heals.delete(path);
      else t.heals.set(path, kept);
    }
  }
}
