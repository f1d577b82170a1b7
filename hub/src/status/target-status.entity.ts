import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintToNumber } from '../database/transformers.js';
import type { ResourceResultJson, SyncStateName, TimingsJson } from './status.types.js';

/** Table `target_status`: the latest status report (highest generation) of one target. */
@Entity({ name: 'target_status' })
export class TargetStatusEntity {
  @PrimaryColumn({ type: 'varchar', length: 63 })
  cluster: string;

  @PrimaryColumn({ name: 'bundle_id', type: 'varchar', length: 63 })
  bundleId: string;

  @Column({ type: 'text' })
  revision: string;

  @Column({ type: 'text' })
  digest: string;

  @Column({ type: 'bigint', transformer: bigintToNumber })
  generation: number;

  @Column({ type: 'varchar', length: 16 })
  state: SyncStateName;

  @Column({ type: 'jsonb' })
  resources: ResourceResultJson[];

  @Column({ type: 'jsonb' })
  errors: string[];

  @Column({ type: 'jsonb', nullable: true })
  timings: TimingsJson | null;

  /** When the agent finished the reconcile (agent clock). */
  @Column({ name: 'observed_at', type: 'timestamptz' })
  observedAt: Date;

  /** When the hub stored the report (hub clock). */
  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;
}
