import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Table `clusters`: one registered spoke cluster. */
@Entity({ name: 'clusters' })
export class ClusterEntity {
  /** DNS-1123 label, primary key; the agent's NATS subject token. */
  @PrimaryColumn({ type: 'varchar', length: 63 })
  name: string;

  /** Kubernetes-style labels used by targeting. */
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  labels: Record<string, string>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Time of the last heartbeat or status report, null before the first. */
  @Column({ name: 'last_seen_at', type: 'timestamptz', nullable: true })
  lastSeenAt: Date | null;

  @Column({ name: 'agent_version', type: 'text', nullable: true })
  agentVersion: string | null;

  /**
   * The cluster's Kubernetes version as its agent reports it in heartbeats (apiserver /version
   * gitVersion, e.g. "v1.36.3"), null before the first such heartbeat. Helm bundles render for
   * it (`--kube-version`) unless the label `gitfleet.io/kubernetes-version` says otherwise.
   */
  @Column({ name: 'kubernetes_version', type: 'text', nullable: true })
  kubernetesVersion: string | null;

  /**
   * The spoke-side hold the agent reports in its heartbeats (fleet.v1 Heartbeat.hold): the spoke's
   * operators' reason; null while not held. A heartbeat without a hold lifts it; status reports
   * leave it as it is, and so does silence (a stale held cluster stays held). Optional in the
   * type only so that fixtures written before holds need not name it; loaded rows always have it.
   */
  @Column({ name: 'hold_reason', type: 'text', nullable: true })
  holdReason?: string | null;

  /** When the spoke-side hold began, as the agent says; null while not held. */
  @Column({ name: 'hold_since', type: 'timestamptz', nullable: true })
  holdSince?: Date | null;

  /** Where the spoke said it: `setting` (agent --hold) or `configmap <namespace>/<name>`; null while not held. */
  @Column({ name: 'hold_source', type: 'text', nullable: true })
  holdSource?: string | null;
}
