/**
 * Tolerant readers for unstructured Kubernetes objects (plain JSON as the API server returns it)
 * and the small constructors every kind's rule shares. A field of the wrong type reads as absent:
 * health never throws on a malformed object.
 */
import { HealthStatus } from '@gitfleet/proto';

/** Health of one object, a target or a cluster: a status and a one-line human cause ('' = none). */
export interface Health {
  status: HealthStatus;
  message: string;
}

/** An unstructured object or sub-object (`metadata`, `status`, a condition, ...). */
export type Obj = Record<string, unknown>;

/** One entry of `status.conditions` (metav1.Condition and the older per-kind shapes). */
export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

/** The value at a dotted path (`'status.loadBalancer.ingress'`), or undefined. */
export function field(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (!isObj(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** True for a plain (non-array) object. */
export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The integer at `path`, or `fallback` when absent or not a number. */
export function int(obj: unknown, path: string, fallback: number): number {
  const v = field(obj, path);
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** The integer at `path`, or undefined (to tell "unset" from 0). */
export function optInt(obj: unknown, path: string): number | undefined {
  const v = field(obj, path);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The string at `path`, or '' when absent. */
export function str(obj: unknown, path: string): string {
  const v = field(obj, path);
  return typeof v === 'string' ? v : '';
}

/** The array at `path` (objects only), or []. */
export function list(obj: unknown, path: string): Obj[] {
  const v = field(obj, path);
  return Array.isArray(v) ? v.filter(isObj) : [];
}

/** `status.conditions`, normalised (missing strings read as ''). */
export function conditions(obj: unknown): Condition[] {
  return list(obj, 'status.conditions').map((c) => ({
    type: str(c, 'type'),
    status: str(c, 'status'),
    reason: str(c, 'reason'),
    message: str(c, 'message'),
  }));
}

/** The first condition of `type`, or undefined. */
export function condition(obj: unknown, type: string): Condition | undefined {
  return conditions(obj).find((c) => c.type === type);
}

/** "reason: message", "reason", "message" or '' — whichever parts are set. */
export function describe(c: { reason: string; message: string }): string {
  return [c.reason, c.message].filter((s) => s !== '').join(': ');
}

/** `prefix` plus ": detail" when detail is non-empty. */
export function withDetail(prefix: string, detail: string): string {
  return detail === '' ? prefix : `${prefix}: ${detail}`;
}

/** Shorthands for a Health of each status with `message`. */
export const healthy = (message: string): Health => ({ status: HealthStatus.HEALTHY, message });
export const progressing = (message: string): Health => ({ status: HealthStatus.PROGRESSING, message });
export const degraded = (message: string): Health => ({ status: HealthStatus.DEGRADED, message });
export const suspended = (message: string): Health => ({ status: HealthStatus.SUSPENDED, message });
export const unknown = (message: string): Health => ({ status: HealthStatus.UNKNOWN, message });
