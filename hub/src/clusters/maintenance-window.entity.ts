import type { LabelSelector } from '@gitfleet/proto';
import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * Table `maintenance_windows`: when new revisions may reach some clusters (like Fleet's
 * experimental Schedule: a cron schedule and a duration). A cluster covered by at least one window
 * gets new revisions only while one of its windows is open (maintenance-window.ts windowOpen).
 */
@Entity({ name: 'maintenance_windows' })
export class MaintenanceWindowEntity {
  /** DNS-1123 label, primary key. */
  @PrimaryColumn({ type: 'varchar', length: 63 })
  name: string;

  /** A 5-field cron expression (minute hour day-of-month month day-of-week): when the window opens. */
  @Column({ type: 'text' })
  schedule: string;

  /** IANA time zone the schedule is read in; null = UTC. */
  @Column({ type: 'text', nullable: true })
  timezone: string | null;

  /** How long the window stays open after each start, as given (Go duration syntax, e.g. "2h", "1h30m"). */
  @Column({ type: 'text' })
  duration: string;

  /** Clusters covered, by label; null = not by label (then clusterGroup is set). */
  @Column({ name: 'cluster_selector', type: 'jsonb', nullable: true })
  clusterSelector: LabelSelector | null;

  /** Clusters covered, by cluster group; null = not by group. Both set: a cluster must match both. */
  @Column({ name: 'cluster_group', type: 'varchar', length: 63, nullable: true })
  clusterGroup: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
