import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Key of the PostgreSQL advisory lock held while one hub replica runs the bundle GC. */
const BUNDLE_GC_LOCK_KEY = 0x6766_6763; // "gfgc"

/** The bundle GC's PostgreSQL I/O: what references a digest, and table `bundle_gc_candidates`. */
@Injectable()
export class BundleGcRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Digests referenced by a row of PostgreSQL: a target's published digest (`targets`), and, of a
   * target that still exists, a kept applied revision (`target_revisions`) and the digest its
   * agent last reported (`target_status`). A withdrawn target's revisions and reports stay in
   * their tables but keep no object alive. The content of an active (Progressing or Paused)
   * rollout is referenced too: its later stages publish it.
   */
  async referencedDigests(): Promise<Set<string>> {
    const rows: Array<{ digest: string }> = await this.dataSource.query(
      `SELECT digest FROM targets
       UNION SELECT r.digest FROM target_revisions r JOIN targets t ON t.cluster = r.cluster AND t.bundle_id = r.bundle_id
       UNION SELECT s.digest FROM target_status s JOIN targets t ON t.cluster = s.cluster AND t.bundle_id = s.bundle_id
       UNION SELECT c.draft->>'digest' FROM rollout_clusters c JOIN rollouts r ON r.id = c.rollout_id WHERE r.phase IN ('Progressing', 'Paused')`,
    );
    return new Set(rows.map((r) => r.digest).filter(Boolean));
  }

  /**
   * Records that `unreferenced` digests are unreferenced (first time: since `now`, later: kept)
   * and forgets every other candidate (it is referenced again, or its object is gone).
   * @returns since when each of `unreferenced` has been unreferenced.
   */
  async markUnreferenced(unreferenced: string[], now: Date): Promise<Map<string, Date>> {
    return this.dataSource.transaction(async (em) => {
      await em.query(`DELETE FROM bundle_gc_candidates WHERE NOT (digest = ANY($1::text[]))`, [unreferenced]);
      await em.query(
        `INSERT INTO bundle_gc_candidates (digest, unreferenced_since) SELECT d, $2 FROM unnest($1::text[]) AS d ON CONFLICT (digest) DO NOTHING`,
        [unreferenced, now],
      );
      const rows: Array<{ digest: string; unreferenced_since: Date }> = await em.query(`SELECT digest, unreferenced_since FROM bundle_gc_candidates`);
      return new Map(rows.map((r) => [r.digest, r.unreferenced_since] as const));
    });
  }

  /** Forgets candidates whose objects were deleted. */
  async forgetCandidates(digests: string[]): Promise<void> {
    if (digests.length > 0) await this.dataSource.query(`DELETE FROM bundle_gc_candidates WHERE digest = ANY($1::text[])`, [digests]);
  }

  /**
   * Runs `fn` while holding the bundle GC's session advisory lock, so one hub replica collects
   * at a time. @returns fn's result, or undefined when another replica holds the lock.
   */
  async withLease<T>(fn: () => Promise<T>): Promise<T | undefined> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const rows = (await runner.query(`SELECT pg_try_advisory_lock($1) AS locked`, [BUNDLE_GC_LOCK_KEY])) as Array<{ locked: boolean }>;
      if (!rows[0]?.locked) return undefined;
      try {
        return await fn();
      } finally {
        await runner.query(`SELECT pg_advisory_unlock($1)`, [BUNDLE_GC_LOCK_KEY]);
      }
    } finally {
      await runner.release();
    }
  }
}
