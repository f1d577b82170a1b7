/**
 * Why a cluster may not be updated now (issue #11), pure: the spoke-side hold its agent reports,
 * and the maintenance windows that cover it. Used by ClusterHoldsService.heldAt.
 */
import type { LabelSelector } from '@gitfleet/proto';
import { windowCovers, windowOpen, type WindowCoverage, type WindowState, type WindowTiming } from './maintenance-window.js';

/**
 * windowOpen at `now`, computed once per window (by name) and remembered, errors too: a window's
 * state is the same for every cluster it covers.
 */
export function memoizedWindowStates(now: Date): (w: HoldWindow) => WindowState {
  const memo = new Map<string, WindowState | Error>();
  return (w) => {
    let s = memo.get(w.name);
    if (s === undefined) {
      try {
        s = windowOpen(w, now);
      } catch (err) {
        s = err as Error;
      }
      memo.set(w.name, s);
    }
    if (s instanceof Error) throw s;
    return s;
  };
}

/** The parts of a cluster a hold depends on. */
export interface HoldSubject {
  labels: Record<string, string>;
  /** the spoke-side hold's reason, null while not held */
  holdReason: string | null;
  holdSince: Date | null;
}

/** A maintenance window as the hold rule reads it. */
export type HoldWindow = WindowTiming & WindowCoverage & { name: string };

/**
 * The reason a cluster is held at `now`, or undefined when it is free. Reasons, joined by "; ":
 * - `spoke-side hold: "<reason>" (since <iso>)` while its agent reports a hold;
 * - when windows cover it and none is open: `outside maintenance window "<name>" (next opens
 *   <iso>)`, naming the window that opens first (`(it never opens again)` when none will);
 *   a covered cluster inside any of its windows is free of them; a cluster no window covers is
 *   never held by windows;
 * - a covering window that cannot be read (a schedule or time zone this platform refuses) holds:
 *   `maintenance window "<name>" cannot be evaluated: <why>`.
 * `stateOf` answers whether a window is open at `now` (default windowOpen; heldAt passes
 * memoizedWindowStates so each window is evaluated once for all clusters).
 */
export function holdReason(
  c: HoldSubject,
  windows: readonly HoldWindow[],
  groups: ReadonlyMap<string, LabelSelector>,
  now: Date,
  stateOf: (w: HoldWindow) => WindowState = (w) => windowOpen(w, now),
): string | undefined {
  const reasons: string[] = [];
  if (c.holdReason !== null) {
    reasons.push(`spoke-side hold: ${JSON.stringify(c.holdReason)}${c.holdSince ? ` (since ${c.holdSince.toISOString()})` : ''}`);
  }
  const covering = windows.filter((w) => windowCovers(w, c.labels, groups));
  let anyOpen = false;
  let first: { name: string; nextOpen?: Date } | undefined;
  const broken: string[] = [];
  for (const w of covering) {
    let state;
    try {
      state = stateOf(w);
    } catch (err) {
      broken.push(`maintenance window "${w.name}" cannot be evaluated: ${(err as Error).message}`);
      continue;
    }
    if (state.open) anyOpen = true;
    else if (!first || (state.nextOpen && (!first.nextOpen || state.nextOpen < first.nextOpen))) first = { name: w.name, ...(state.nextOpen ? { nextOpen: state.nextOpen } : {}) };
  }
  if (!anyOpen) {
    if (first) reasons.push(`outside maintenance window "${first.name}" (${first.nextOpen ? `next opens ${first.nextOpen.toISOString()}` : 'it never opens again'})`);
    reasons.push(...broken);
  }
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}
