import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One bundle-level problem: the repository file and the reason. */
export interface BundleProblem {
  file: string;
  message: string;
}

/** Bundle state: Ready (rendered and published) or Failed (targets keep the last good revision). */
export type BundleState = 'Ready' | 'Failed';

/** Table `bundles`: the latest scan/render result of one bundle directory of a source. */
@Entity({ name: 'bundles' })
@Index('bundles_source_idx', ['source'])
export class BundleEntity {
  /** `bundleId(source, bundle)`: DNS-1123 label, KV key token. */
  @PrimaryColumn({ type: 'varchar', length: 63 })
  id: string;

  @Column({ type: 'varchar', length: 63 })
  source: string;

  /** Directory of the bundle inside the repository. */
  @Column({ type: 'text' })
  path: string;

  /** `name` from fleet.yaml, or derived from the path. */
  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  labels: Record<string, string>;

  /** Commit SHA of the last scan. */
  @Column({ type: 'text' })
  revision: string;

  @Column({ type: 'varchar', length: 16 })
  state: BundleState;

  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" })
  errors: BundleProblem[];

  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" })
  warnings: string[];

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
