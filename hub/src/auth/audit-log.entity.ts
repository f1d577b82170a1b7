import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Table `audit_log`: one row per change request through the admin API (append only). */
@Entity({ name: 'audit_log' })
export class AuditLogEntity {
  /** Identity, as a string (bigint). */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'timestamptz' })
  at: Date;

  /** Token name, `bootstrap-admin`, or `anonymous` (a webhook without a token). */
  @Column({ type: 'text' })
  actor: string;

  /** Role of the actor; null for anonymous webhooks. */
  @Column({ type: 'text', nullable: true })
  role: string | null;

  @Column({ type: 'text' })
  method: string;

  /** Request path without the query string. */
  @Column({ type: 'text' })
  path: string;

  /** Name of the resource acted on (path parameter, or `name` of a created one). */
  @Column({ type: 'text', nullable: true })
  target: string | null;

  /** HTTP status of the answer. */
  @Column({ type: 'integer' })
  outcome: number;

  /** Error message of a refused or failed request (never a secret), null on success. */
  @Column({ type: 'text', nullable: true })
  message: string | null;
}
