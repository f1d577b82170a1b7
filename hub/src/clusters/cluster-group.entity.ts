import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A Kubernetes label selector: `matchLabels` ANDed with `matchExpressions`. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

/** Table `cluster_groups`: a named label selector over clusters (Fleet ClusterGroup). */
@Entity({ name: 'cluster_groups' })
export class ClusterGroupEntity {
  @PrimaryColumn({ type: 'varchar', length: 63 })
  name: string;

  @Column({ type: 'jsonb' })
  selector: LabelSelector;
}
