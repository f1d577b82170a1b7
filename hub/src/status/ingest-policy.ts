/**
 * Pure rules of status ingestion: what the hub repairs in a report before storing it, which
 * database errors mean "this report can never be stored" (poison) rather than "try again"
 * (transient), and the redelivery backoff. No I/O.
 */
import { sqlState } from '../database/sql-state.js';
import { pgText } from '../database/text.js';
import type { StatusRecord } from '../targets/status.repository.js';

/** Largest status message the hub stores, bytes (1 MiB, nats-server's default max_payload); larger → dead letter. */
export const MAX_STATUS_MESSAGE_BYTES = 1024 * 1024;

/** Redelivery of a batch that failed to store for a transient reason. */
export interface RetryPolicy {
  /** deliveries of one message before it is dead-lettered (default 8) */
  maxDeliveries: number;
  /** delay after the first failed delivery, ms; doubles per delivery (default 1000) */
  baseDelayMs: number;
  /** longest delay, ms (default 60 000) */
  maxDelayMs: number;
}

/** Default retry policy: 8 deliveries, 1 s doubling to at most 60 s (about 2 min before a dead letter). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxDeliveries: 8, baseDelayMs: 1000, maxDelayMs: 60_000 };

/**
 * Delay before the next delivery of a message that failed on delivery `deliveryCount` (1-based):
 * `baseDelayMs · 2^(deliveryCount-1)`, at most `maxDelayMs`, ms.
 */
export function retryDelayMs(deliveryCount: number, policy: RetryPolicy): number {
  const n = Math.max(1, Math.min(deliveryCount, 32));
  return Math.min(policy.baseDelayMs * 2 ** (n - 1), policy.maxDelayMs);
}

/**
 * True when a database error depends on the data written, so retrying the same report can never
 * succeed: SQLSTATE class 22 (data exception, e.g. 22P05 "unsupported Unicode escape sequence",
 * 22001 value too long), 23 (integrity constraint violation) and 54 (program limit exceeded, e.g.
 * an index row too large). Everything else (connection lost, 57P01 admin shutdown, 53 out of
 * resources, 40 serialization failure, no SQLSTATE at all) is transient.
 * Source: PostgreSQL documentation, Appendix A "PostgreSQL Error Codes".
 */
export function isDataError(err: unknown): boolean {
  const code = sqlState(err);
  return code !== undefined && /^(22|23|54)/.test(code);
}

/**
 * Makes every string of a status record storable in PostgreSQL text and jsonb, in place: NUL
 * characters (`\u0000`, refused by both: "unsupported Unicode escape sequence") are removed and
 * lone UTF-16 surrogates replaced by U+FFFD. @returns the JSON-pointer-like paths of the strings
 * it changed (empty when the record was clean), e.g. `["healthMessage", "resources/0/message"]`.
 */
export function sanitizeRecord(record: StatusRecord): string[] {
  const changed: string[] = [];
  const walk = (value: unknown, path: string): unknown => {
    if (typeof value === 'string') {
      const clean = pgText(value);
      if (clean !== value) changed.push(path);
      return clean;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = walk(value[i], `${path}/${i}`);
      return value;
    }
    if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      const o = value as Record<string, unknown>;
      for (const k of Object.keys(o)) o[k] = walk(o[k], path ? `${path}/${k}` : k);
      return value;
    }
    return value;
  };
  walk(record, '');
  return changed;
}
