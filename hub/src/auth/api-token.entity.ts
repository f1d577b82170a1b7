import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { Role } from './roles.js';

/** Table `api_tokens`: API bearer tokens, by name; only the sha256 of the value is kept. */
@Entity({ name: 'api_tokens' })
export class ApiTokenEntity {
  /** DNS-1123 label, primary key; the actor in the audit log. */
  @PrimaryColumn({ type: 'varchar', length: 63 })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  role: Role;

  /** sha256 (hex) of the token value (unique). */
  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash: string;

  /** After this instant the token is refused; null = never expires. */
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  /** Actor that created it. */
  @Column({ name: 'created_by', type: 'text' })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
