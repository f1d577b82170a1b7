/**
 * Maintenance windows (issue #11), pure: when a window is open, and the checks of its schedule,
 * time zone and duration. A window is like Fleet's experimental Schedule: a cron expression says
 * when it opens, a duration how long it stays open after each start. Cron matching (5 fields,
 * Vixie cron's rules: day-of-month and day-of-week ORed when both are restricted; time zones and
 * daylight-saving changes) is croner's.
 */
import { matchesSelector, type LabelSelector } from '@gitfleet/proto';
import { Cron } from 'croner';
import { InvalidInputError } from '../errors.js';

/** The timing of a window: a 5-field cron schedule read in `timezone` (IANA; absent = UTC) and a duration. */
export interface WindowTiming {
  /** 5-field cron expression: minute hour day-of-month month day-of-week */
  schedule: string;
  /** IANA time zone, e.g. "Europe/Berlin"; null/undefined = UTC */
  timezone?: string | null;
  /** Go duration syntax with hours and minutes: "2h", "30m", "1h30m" */
  duration: string;
}

/** Whether a window is open at an instant. */
export interface WindowState {
  open: boolean;
  /** when closed: the next start (absent when the schedule never fires again) */
  nextOpen?: Date;
  /** when open: the end of the current opening (a later start inside it may extend it) */
  closesAt?: Date;
}

/** Shortest duration, ms (cron has minute resolution). */
export const MIN_WINDOW_DURATION_MS = 60_000;
/** Longest duration, ms: 31 days (a monthly window that never closes is no window). */
export const MAX_WINDOW_DURATION_MS = 31 * 24 * 3_600_000;

const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?$/;

/**
 * Parses a duration: Go's time.ParseDuration syntax restricted to whole hours and minutes
 * ("2h", "30m", "1h30m", "90m"), from 1m to 744h (31 days).
 * @returns milliseconds
 * @throws InvalidInputError `duration: "<raw>" must be ...` naming the rule broken
 */
export function parseWindowDuration(raw: string): number {
  const m = DURATION.exec(raw.trim());
  if (!m || (m[1] === undefined && m[2] === undefined)) {
    throw new InvalidInputError(`duration: "${raw}" must be a duration of hours and/or minutes, e.g. "2h", "30m" or "1h30m"`);
  }
  const ms = (Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60_000;
  if (ms < MIN_WINDOW_DURATION_MS || ms > MAX_WINDOW_DURATION_MS) {
    throw new InvalidInputError(`duration: "${raw}" must be from 1m to 744h (31 days)`);
  }
  return ms;
}

/**
 * Checks an IANA time zone name (as the platform's Intl knows them).
 * @throws InvalidInputError `timezone: "<tz>" is not an IANA time zone ...`
 */
export function checkTimezone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new InvalidInputError(`timezone: "${tz}" is not an IANA time zone (e.g. "UTC", "Europe/Berlin", "America/New_York")`);
  }
}

/**
 * The croner job of a timing (paused: it never runs anything).
 * @throws InvalidInputError naming `schedule` or `timezone` and the reason
 */
function cronOf(t: WindowTiming): Cron {
  const schedule = t.schedule.trim();
  const fields = schedule.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) {
    throw new InvalidInputError(`schedule: "${t.schedule}" must be a cron expression of 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`);
  }
  if (t.timezone) checkTimezone(t.timezone);
  try {
    return new Cron(schedule, { paused: true, mode: '5-part', timezone: t.timezone || 'UTC' });
  } catch (err) {
    const reason = (err as Error).message.replace(/^CronPattern:\s*/, '');
    throw new InvalidInputError(`schedule: "${t.schedule}" is not a valid cron expression: ${reason}`, { cause: err });
  }
}

/**
 * Checks a window's timing: schedule (5 fields, valid values, matches some date), time zone,
 * duration. @returns the trimmed schedule and duration
 * @throws InvalidInputError naming the field (`schedule: …`, `timezone: …`, `duration: …`)
 */
export function checkWindowTiming(t: WindowTiming, now = new Date()): { schedule: string; duration: string } {
  const duration = t.duration.trim();
  parseWindowDuration(duration);
  const cron = cronOf(t);
  if (!cron.nextRun(now) && cron.previousRuns(1, now).length === 0) {
    throw new InvalidInputError(`schedule: "${t.schedule}" never matches a date`);
  }
  return { schedule: t.schedule.trim(), duration };
}

/**
 * Whether the window is open at `now`: it is when its latest start at or before `now` is less
 * than `duration` ago (a start at exactly `now` opens it; the end is exclusive). A window whose
 * duration is longer than the time between two starts stays open across them. Starts are read
 * in the window's time zone: a start that falls into a daylight-saving gap happens at the first
 * instant after it, one that falls into the repeated hour happens once (croner's rules).
 * @throws InvalidInputError when the timing is invalid (checkWindowTiming's messages)
 */
export function windowOpen(t: WindowTiming, now: Date): WindowState {
  const ms = parseWindowDuration(t.duration);
  const cron = cronOf(t);
  // previousRuns is strictly before its reference (whole seconds): look from just after `now`
  const last = cron.previousRuns(2, new Date(now.getTime() + 1000)).find((d) => d.getTime() <= now.getTime());
  if (last && now.getTime() < last.getTime() + ms) return { open: true, closesAt: new Date(last.getTime() + ms) };
  const next = cron.nextRun(now);
  return next ? { open: false, nextOpen: next } : { open: false };
}

/** What a window covers: clusters by label selector and/or cluster group (both set: a cluster must match both). */
export interface WindowCoverage {
  clusterSelector?: LabelSelector | null;
  clusterGroup?: string | null;
}

/**
 * Whether a window covers a cluster (pure): its clusterSelector matches the cluster's labels (when
 * set) and its clusterGroup's selector does too (when set; a group that does not exist covers
 * nothing). A window with neither covers nothing (the API refuses such a window).
 */
export function windowCovers(w: WindowCoverage, labels: Record<string, string>, groups: ReadonlyMap<string, LabelSelector>): boolean {
  if (!w.clusterSelector && !w.clusterGroup) return false;
  if (w.clusterSelector && !matchesSelector(w.clusterSelector, labels)) return false;
  if (w.clusterGroup) {
    const selector = groups.get(w.clusterGroup);
    if (!selector || !matchesSelector(selector, labels)) return false;
  }
  return true;
}
