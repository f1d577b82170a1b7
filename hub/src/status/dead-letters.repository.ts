import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { pgText } from '../database/text.js';

/** Largest part of a dead letter's raw bytes that is stored, bytes (64 KiB); the rest is cut off. */
export const DEAD_LETTER_MAX_BYTES = 64 * 1024;

/** Dead letters kept at most; older ones are deleted when new ones arrive. */
export const DEAD_LETTERS_KEPT = 10_000;

/** A status stream message the hub could not store, as it is written to `status_dead_letters`. */
export interface DeadLetterInput {
  /** cluster named by the subject's last token (not trusted: it may not be a registered cluster) */
  cluster: string;
  /** NATS subject, e.g. `fleet.status.spoke1` */
  subject: string;
  /** FLEET_STATUS stream sequence of the message */
  streamSequence: number;
  /** JetStream delivery count when it was dead-lettered (1 = first delivery) */
  deliveryCount: number;
  /** why it could not be stored (decode error, database error, size limit, …) */
  reason: string;
  receivedAt: Date;
  /** the raw message bytes (stored up to DEAD_LETTER_MAX_BYTES) */
  data: Uint8Array;
}

/** A stored dead letter. */
export interface DeadLetter extends Omit<DeadLetterInput, 'data'> {
  id: number;
  /** size of the original message, bytes */
  size: number;
  /** the stored bytes (at most DEAD_LETTER_MAX_BYTES) */
  data: Buffer;
  /** true when `data` is shorter than the original message */
  truncated: boolean;
}

/** The only I/O on table `status_dead_letters`. */
@Injectable()
export class DeadLettersRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Stores dead letters in one statement (raw bytes capped at DEAD_LETTER_MAX_BYTES; NUL
   * characters and lone surrogates in the text fields are replaced so that the row can always be
   * written), then deletes all but the newest DEAD_LETTERS_KEPT.
   * @throws the database error (e.g. connection lost); nothing is stored then.
   */
  async add(letters: DeadLetterInput[]): Promise<void> {
    if (letters.length === 0) return;
    const params: unknown[] = [];
    const values = letters.map((l) => {
      const data = Buffer.from(l.data.buffer, l.data.byteOffset, Math.min(l.data.byteLength, DEAD_LETTER_MAX_BYTES));
      params.push(pgText(l.cluster).slice(0, 253), pgText(l.subject).slice(0, 1024), l.streamSequence, l.deliveryCount,
        pgText(l.reason).slice(0, 2000), l.receivedAt, l.data.byteLength, data, l.data.byteLength > DEAD_LETTER_MAX_BYTES);
      const n = params.length;
      return `(${Array.from({ length: 9 }, (_, i) => `$${n - 8 + i}`).join(', ')})`;
    });
    await this.dataSource.transaction(async (em) => {
      await em.query(
        `INSERT INTO status_dead_letters (cluster, subject, stream_sequence, delivery_count, reason, received_at, size, data, truncated)
         VALUES ${values.join(', ')}`,
        params,
      );
      await em.query(
        `DELETE FROM status_dead_letters WHERE id <= (SELECT id FROM status_dead_letters ORDER BY id DESC OFFSET $1 LIMIT 1)`,
        [DEAD_LETTERS_KEPT],
      );
    });
  }

  /** The newest `limit` dead letters (of `cluster` when given), newest first. */
  async list(options: { cluster?: string; limit: number }): Promise<DeadLetter[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT id, cluster, subject, stream_sequence, delivery_count, reason, received_at, size, data, truncated
         FROM status_dead_letters WHERE ($1::text IS NULL OR cluster = $1) ORDER BY id DESC LIMIT $2`,
      [options.cluster ?? null, options.limit],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      cluster: r.cluster as string,
      subject: r.subject as string,
      streamSequence: Number(r.stream_sequence),
      deliveryCount: r.delivery_count as number,
      reason: r.reason as string,
      receivedAt: r.received_at as Date,
      size: r.size as number,
      data: r.data as Buffer,
      truncated: r.truncated as boolean,
    }));
  }
}
