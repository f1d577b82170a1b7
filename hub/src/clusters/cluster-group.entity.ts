import type { LabelSelector } from '@gitfleet/proto';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A Kubernetes label selector: `matchLabels` ANDed with `matchExpressions` (@gitfleet/proto). */
export type { LabelSelector };

/** Table `cluster_groups`: a named label selector over clusters (Fleet ClusterGroup). */
@Entity({ name: 'cluster_groups' })
export class ClusterGroupEntity {
  @PrimaryColumn({ type: 'varchar', length: 63 })
  name: string;

  @Column({ type: 'jsonb' })
  selector: LabelSelector;
}
