import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * Table `registration_tokens`: cluster registration tokens an agent enrolls with (Fleet's
 * ClusterRegistrationToken). Only the sha256 of the value is kept.
 */
@Entity({ name: 'registration_tokens' })
export class RegistrationTokenEntity {
  /** DNS-1123 label, primary key. */
  @PrimaryColumn({ type: 'varchar', length: 63 })
  name: string;

  /** sha256 (hex) of the token value (unique). */
  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash: string;

  /** After this instant the token is refused. */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  /** Enrollments allowed in all; null = unlimited until expiry. */
  @Column({ name: 'max_uses', type: 'integer', nullable: true })
  maxUses: number | null;

  /** Enrollments done with it so far. */
  @Column({ type: 'integer', default: 0 })
  uses: number;

  /** Labels stamped on every cluster that enrolls with it (they win over the agent's own). */
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  labels: Record<string, string>;

  /** Actor that created it. */
  @Column({ name: 'created_by', type: 'text' })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
