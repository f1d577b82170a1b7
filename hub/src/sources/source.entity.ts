import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { TargetRule } from '../targeting/index.js';
import type { CommitSignaturePolicy, CommitSignatureReport } from './commit-signature.js';

/** One target a held change would withdraw. */
export interface HeldWithdrawal {
  cluster: string;
  bundleId: string;
  /** why it would be withdrawn (directory removed, cluster no longer matches, ...) */
  reason: string;
}

/** Withdrawals held by the mass-deletion guard (deployments/withdrawal.ts). */
export interface WithdrawalHold {
  /** commit the held change was planned at */
  revision: string;
  /** RFC 3339 time the change was first held */
  heldAt: string;
  /** targets of the source published before the change */
  total: number;
  /** human-readable cause, e.g. "would withdraw 8 of 10 targets (guard: more than 50 % and at least 5)" */
  reason: string;
  targets: HeldWithdrawal[];
}

/** An operator's confirmation of a hold. */
export interface WithdrawalConfirmation {
  /** the hold's revision when confirmed */
  revision: string;
  /** `<cluster>/<bundleId>` of every confirmed withdrawal */
  targets: string[];
  /** RFC 3339 */
  confirmedAt: string;
}

/** Table `sources`: one Git repository + branch (+ sub-path) the hub watches. */
@Entity({ name: 'sources' })
export class SourceEntity {
  /** DNS-1123 label, primary key. */
  @PrimaryColumn({ type: 'varchar', length: 63 })
  name: string;

  /** Clone URL (http/https). May carry credentials: never log or return it unredacted. */
  @Column({ type: 'text' })
  url: string;

  @Column({ type: 'text' })
  branch: string;

  /** Sub-path inside the repository that holds the bundles ('' = repository root). */
  @Column({ type: 'text' })
  path: string;

  /** Poll interval, seconds (>= 1). */
  @Column({ name: 'poll_interval_seconds', type: 'integer' })
  pollIntervalSeconds: number;

  /** Fleet GitRepo `spec.targets` rules; null = Fleet's default (no rule matches nothing). */
  @Column({ type: 'jsonb', nullable: true })
  targets: TargetRule[] | null;

  /** Commit SHA of the last successful fetch, null before the first one. */
  @Column({ name: 'last_revision', type: 'text', nullable: true })
  lastRevision: string | null;

  @Column({ name: 'last_fetched_at', type: 'timestamptz', nullable: true })
  lastFetchedAt: Date | null;

  /** Last fetch error (no secrets), null after a successful fetch. */
  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  /**
   * Git credentials `{username, password}` as JSON, sealed with GITFLEET_SECRETS_KEY
   * (auth/secret-box.ts, owner = source name); null = anonymous fetches. Never returned or logged.
   */
  @Column({ name: 'credentials_enc', type: 'text', nullable: true })
  credentialsEnc: string | null;

  /** Webhook secret (GitHub HMAC key / GitLab token), sealed like `credentialsEnc`; null = open webhook. */
  @Column({ name: 'webhook_secret_enc', type: 'text', nullable: true })
  webhookSecretEnc: string | null;

  /**
   * Commit signature policy (trusted OpenPGP public keys, see commit-signature.ts); null = every
   * commit deploys, signed or not.
   */
  @Column({ name: 'commit_signatures', type: 'jsonb', nullable: true })
  commitSignatures: CommitSignaturePolicy | null;

  /**
   * Outcome of verifying the head commit under `commitSignatures` (written by the pipeline); null
   * without a policy or before the first check.
   */
  @Column({ name: 'commit_signature', type: 'jsonb', nullable: true })
  commitSignature: CommitSignatureReport | null;

  /**
   * Kustomize remote bases (a `resources`/`bases`/`components` entry that is a Git or HTTP URL)
   * may be fetched while rendering this source's bundles; false (the default) refuses them.
   */
  @Column({ name: 'kustomize_remote_bases', type: 'boolean', default: false })
  kustomizeRemoteBases: boolean;

  /**
   * A change held by the mass-deletion guard (written by the pipeline): the withdrawals it would
   * make, waiting for POST /sources/:name/confirm-withdrawal; null when nothing is held.
   */
  @Column({ name: 'withdrawal_hold', type: 'jsonb', nullable: true })
  withdrawalHold: WithdrawalHold | null;

  /**
   * An operator's confirmation of the held withdrawals (their keys): the next pipeline run
   * withdraws them if it plans nothing beyond them; cleared once used or superseded.
   */
  @Column({ name: 'withdrawal_confirmation', type: 'jsonb', nullable: true })
  withdrawalConfirmation: WithdrawalConfirmation | null;

  /**
   * Warnings of the last bundle scan that concern no single bundle (written by the pipeline after
   * each scan), e.g. `dashboards: *.jsonnet files: jsonnet is not rendered by gitfleet; skipped`
   * (rendering/bundle-scan.ts unrenderedContentWarning); [] before the first scan.
   */
  @Column({ name: 'scan_warnings', type: 'jsonb', default: () => "'[]'::jsonb" })
  scanWarnings: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
