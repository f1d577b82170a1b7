import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintToNumber } from '../database/transformers.js';
import type { FailureClassName, HealthName, ObjectDriftJson, ObjectRefJson, ResourceResultJson, SyncStateName, SyncStatusName } from './status.types.js';

/** Table `status_history`: every status report once (keyed by its report_id). */
@Entity({ name: 'status_history' })
@Index('status_history_target_idx', ['cluster', 'bundleId', 'observedAt'])
export class StatusHistoryEntity {
  @PrimaryColumn({ name: 'report_id', type: 'text' })
  reportId: string;

  @Column({ type: 'varchar', length: 63 })
  cluster: string;

  @Column({ name: 'bundle_id', type: 'varchar', length: 63 })
  bundleId: string;

  @Column({ type: 'text' })
  revision: string;

  @Column({ type: 'text' })
  digest: string;

  @Column({ type: 'bigint', transformer: bigintToNumber, default: 0 })
  generation: number;

  @Column({ type: 'varchar', length: 16 })
  state: SyncStateName;

  @Column({ type: 'jsonb' })
  resources: ResourceResultJson[];

  @Column({ type: 'jsonb' })
  errors: string[];

  @Column({ name: 'observed_at', type: 'timestamptz' })
  observedAt: Date;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;

  @Column({ name: 'sync_status', type: 'varchar', length: 16, default: 'Unknown' })
  syncStatus: SyncStatusName;

  @Column({ type: 'varchar', length: 16, default: 'Unknown' })
  health: HealthName;

  @Column({ name: 'health_message', type: 'text', default: '' })
  healthMessage: string;

  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" })
  drift: ObjectDriftJson[];

  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" })
  orphaned: ObjectRefJson[];

  /** What started the report ("update", "drift", …; "" when not said). */
  @Column({ type: 'text', default: '' })
  trigger: string;

  /** sync_request of the DesiredState the report acted on. */
  @Column({ name: 'sync_request', type: 'bigint', transformer: bigintToNumber, default: 0 })
  syncRequest: number;

  /** Class of the failure when state is Failed (terminal, waiting, transient); null otherwise or when the agent did not say. */
  @Column({ name: 'failure_class', type: 'varchar', length: 16, nullable: true })
  failureClass: FailureClassName | null;
}
