/**
 * The pipeline's commit-signature gate: a source with a commit signature policy deploys only a
 * head commit signed by one of its trusted keys; any other head is held (nothing of the source
 * changes). Verification itself is pure (sources/commit-signature.ts); this service reads the
 * commit, caches the parsed keys and records the verdict on the source.
 */
import { Injectable, Logger } from '@nestjs/common';
import type { PublicKey } from 'openpgp';
import { readTrustedKeys, verifyCommitSignature, type CommitSignatureCheck, type CommitSignaturePolicy } from '../sources/commit-signature.js';
import { GitRepository } from '../sources/git.repository.js';
import type { SourceEntity } from '../sources/source.entity.js';
import { SourcesRepository } from '../sources/sources.repository.js';

/** Verifies a source's checked-out head commit against its policy and records the outcome. */
@Injectable()
export class CommitSignaturePolicyService {
  private readonly logger = new Logger(CommitSignaturePolicyService.name);
  /** Parsed trusted keys per source, reused while the stored armored keys are the same. */
  private readonly keyrings = new Map<string, { armored: string; keys: Promise<PublicKey[]> }>();

  constructor(
    private readonly sources: SourcesRepository,
    private readonly git: GitRepository,
  ) {}

  /**
   * May the checked-out head commit `revision` of `source` (checkout in `dir`) deploy? True at
   * once when the source has no commit signature policy. Otherwise (rule source: Flux
   * GitRepository `spec.verify` with `mode: HEAD`) verifies the commit against the policy's
   * trusted keys and records the outcome on the source row when it changed (revision, verdict,
   * reason or key). Returns false, with a warning, when the commit must not deploy (unsigned,
   * untrusted key, bad signature, unreadable commit): the caller then leaves every bundle and
   * target of the source as they are, so clusters stay on the last deployed revision until a
   * trusted commit arrives; that includes clusters that join meanwhile. Call inside the
   * source's `GitRepository.withCheckout`.
   * @throws never for a verification failure; a failed write of the report does throw (run error).
   */
  async headCommitTrusted(source: SourceEntity, dir: string, revision: string): Promise<boolean> {
    const policy = source.commitSignatures;
    if (!policy) return true;
    let check: CommitSignatureCheck;
    try {
      const keys = await this.trustedKeys(source.name, policy);
      check = await verifyCommitSignature(await this.git.readCommit(dir, revision), keys);
    } catch (err) {
      check = { revision, verified: false, reason: `commit ${revision.slice(0, 7)} could not be verified: ${err instanceof Error ? err.message : String(err)}`, keyFingerprint: null, signer: null };
    }
    const prev = source.commitSignature;
    const changed =
      !prev || prev.revision !== check.revision || prev.verified !== check.verified || prev.reason !== check.reason || prev.keyFingerprint !== check.keyFingerprint;
    if (changed) await this.sources.saveCommitSignature(source.name, { ...check, checkedAt: new Date().toISOString() });
    if (!check.verified) {
      this.logger.warn({ source: source.name, revision, reason: check.reason }, 'head commit not deployed: its signature does not verify with a trusted key; targets keep the last deployed revision');
      return false;
    }
    if (changed) this.logger.log({ source: source.name, revision, key: check.keyFingerprint, signer: check.signer }, 'head commit signature verified');
    return true;
  }

  /** The parsed keys of `policy`, cached per source while its armored keys stay the same; a failed parse is not cached. */
  private trustedKeys(source: string, policy: CommitSignaturePolicy): Promise<PublicKey[]> {
    const armored = policy.trustedKeys.map((k) => k.armored).join('\n');
    const cached = this.keyrings.get(source);
    if (cached?.armored === armored) return cached.keys;
    const keys = readTrustedKeys(policy.trustedKeys);
    this.keyrings.set(source, { armored, keys });
    keys.catch(() => this.keyrings.delete(source));
    return keys;
  }
}
