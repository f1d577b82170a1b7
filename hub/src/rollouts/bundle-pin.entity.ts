import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Table `bundle_pins`: an operator's pin of a bundle (cluster '' = on every cluster) to a revision it deployed. */
@Entity({ name: 'bundle_pins' })
export class BundlePinEntity {
  @PrimaryColumn({ name: 'bundle_id', type: 'varchar', length: 63 })
  bundleId: string;

  /** '' for every cluster of the bundle; a cluster's pin wins over the bundle's. */
  @PrimaryColumn({ type: 'varchar', length: 63, default: '' })
  cluster: string;

  @Column({ type: 'text' })
  revision: string;

  @Column({ type: 'text', default: '' })
  reason: string;

  /** The API principal that pinned it. */
  @Column({ name: 'created_by', type: 'text' })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
