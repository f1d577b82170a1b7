import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Table `cluster_credentials`: every NATS user the hub issued to a cluster's agent (by the
 * user's public nkey; the hub never sees the seed), and when it was revoked.
 */
@Entity({ name: 'cluster_credentials' })
export class ClusterCredentialEntity {
  /** The NATS user's public nkey ("U…", 56 characters), primary key. */
  @PrimaryColumn({ name: 'user_public_key', type: 'varchar', length: 56 })
  userPublicKey: string;

  /** The cluster it was issued to (kept after the cluster is deleted: the revocation record). */
  @Column({ type: 'varchar', length: 63 })
  cluster: string;

  @Column({ name: 'issued_at', type: 'timestamptz' })
  issuedAt: Date;

  /** How it was issued: `registration-token/<name>` or `rotation`. */
  @Column({ name: 'issued_by', type: 'text' })
  issuedBy: string;

  /** When it was revoked in NATS; null while valid. */
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
