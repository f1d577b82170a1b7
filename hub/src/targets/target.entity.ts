import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintToNumber } from '../database/transformers.js';

/** Sync policy as stored in jsonb (fleet.v1 SyncPolicy in camelCase). */
export interface SyncPolicyJson {
  automated: boolean;
  prune: boolean;
  selfHeal: boolean;
}

/** An ignore rule as stored in jsonb (fleet.v1 IgnoreDifference in camelCase). */
export interface IgnoreDifferenceJson {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  jsonPointers: string[];
  managers: string[];
}

/** Table `targets`: what the hub last published for one bundle × cluster (the KV value). */
@Entity({ name: 'targets' })
@Index('targets_bundle_idx', ['bundleId'])
export class TargetEntity {
  @PrimaryColumn({ type: 'varchar', length: 63 })
  cluster: string;

  @PrimaryColumn({ name: 'bundle_id', type: 'varchar', length: 63 })
  bundleId: string;

  /** Source name the bundle came from (for clean-up when the source goes). */
  @Column({ type: 'varchar', length: 63 })
  source: string;

  /** Commit SHA of the published BundleManifest. */
  @Column({ type: 'text' })
  revision: string;

  /** `sha256-<hex>` object name of the published BundleManifest. */
  @Column({ type: 'text' })
  digest: string;

  /** Increases by one at every KV write of this target. */
  @Column({ type: 'bigint', transformer: bigintToNumber })
  generation: number;

  @Column({ name: 'target_namespace', type: 'text', default: '' })
  targetNamespace: string;

  @Column({ name: 'default_namespace', type: 'text', default: '' })
  defaultNamespace: string;

  @Column({ name: 'sync_policy', type: 'jsonb' })
  syncPolicy: SyncPolicyJson;

  @Column({ name: 'published_at', type: 'timestamptz' })
  publishedAt: Date;

  /** Ignore rules published in the DesiredState. */
  @Column({ name: 'ignore_differences', type: 'jsonb', default: () => "'[]'::jsonb" })
  ignoreDifferences: IgnoreDifferenceJson[];

  /**
   * DesiredState.take_ownership published (Helm's takeOwnership; true for non-Helm bundles).
   * Optional in code: a row written without it stores (and reads back) the column default true.
   */
  @Column({ name: 'take_ownership', type: 'boolean', default: true })
  takeOwnership?: boolean;

  /**
   * Fleet namespaceLabels / namespaceAnnotations published (DesiredState.namespace_labels /
   * namespace_annotations); {} when none. Optional in code: a row written without them stores
   * (and reads back) the column default {}.
   */
  @Column({ name: 'namespace_labels', type: 'jsonb', default: () => "'{}'::jsonb" })
  namespaceLabels?: Record<string, string>;

  @Column({ name: 'namespace_annotations', type: 'jsonb', default: () => "'{}'::jsonb" })
  namespaceAnnotations?: Record<string, string>;

  /** Manual sync counter published in the DesiredState; +1 per sync action. */
  @Column({ name: 'sync_request', type: 'bigint', transformer: bigintToNumber, default: 0 })
  syncRequest: number;
}

/**
 * What a resolved target asks to publish: a targets row without the fields the publisher
 * assigns (generation, published_at, sync_request). `takeOwnership` is always set here.
 */
export type TargetDraft = Pick<
  TargetEntity,
  'cluster' | 'bundleId' | 'source' | 'revision' | 'digest' | 'targetNamespace' | 'defaultNamespace' | 'syncPolicy' | 'ignoreDifferences'
> & { takeOwnership: boolean; namespaceLabels: Record<string, string>; namespaceAnnotations: Record<string, string> };
