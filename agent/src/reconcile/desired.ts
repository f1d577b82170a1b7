/**
 * Decoding and validation of a DesiredState read from the KV bucket. Pure.
 * Every refusal is terminal: the same bytes will never become valid, only a new value can.
 */
import { type DesiredState, DesiredStateSchema, isBundleDigest, type SyncPolicy } from '@gitfleet/proto';
import { decodeOrRefuse, TerminalError } from '../errors.js';

/** Sync policy with the contract's defaults (all true) when the message carries none. */
export function effectiveSyncPolicy(desired: DesiredState): Pick<SyncPolicy, 'automated' | 'prune' | 'selfHeal'> {
  const p = desired.syncPolicy;
  return p ? { automated: p.automated, prune: p.prune, selfHeal: p.selfHeal } : { automated: true, prune: true, selfHeal: true };
}

/**
 * Decodes the value of KV key `<cluster>.<bundleId>` and checks it belongs there.
 * A tombstone (`withdrawn` true, fleet.proto DesiredState.withdrawn) carries an empty digest;
 * every other desired state a `sha256-<64 hex>` one. A tombstone with a digest is refused: it
 * would be ambiguous (withdraw the target, or apply that bundle?).
 * A preview desired state (`preview` true, fleet.proto DesiredState.preview) is refused: the hub
 * only ever sends one inside a DiffRequest, to be dry-run, so one read from the KV is never acted on.
 * @throws TerminalError when the bytes do not decode, the contract major differs, it is a preview, the message's
 *   cluster or bundle id differs from the key, the digest is not `sha256-<64 hex>` (not a
 *   tombstone) or not empty (a tombstone)
 */
export function decodeDesired(cluster: string, bundleId: string, bytes: Uint8Array): DesiredState {
  const d = decodeOrRefuse(DesiredStateSchema, bytes, `desired state ${cluster}.${bundleId}`);
  if (d.preview) {
    throw new TerminalError(`desired state ${cluster}.${bundleId}: a preview desired state (preview=true, generation ${d.generation}) is only ever dry-run, never applied; refused`);
  }
  return checkPlacement(cluster, bundleId, d);
}

/**
 * Checks the would-be desired state a DiffRequest carries for a preview (fleet.proto
 * DiffRequest.desired_state): it must say `preview` = true and pass the checks of
 * `decodeDesired` (cluster, bundle id, digest). Its signature is checked by the caller
 * (signature.ts), as for a KV value. Pure.
 * @throws TerminalError "preview desired state <cluster>.<bundle>: <reason>"
 */
export function checkPreviewDesired(cluster: string, bundleId: string, d: DesiredState): DesiredState {
  if (!d.preview) throw new TerminalError(`preview desired state ${cluster}.${bundleId}: preview is not set; only a preview desired state is dry-run on request`);
  return checkPlacement(cluster, bundleId, d);
}

/** The checks of a decoded desired state shared by `decodeDesired` and `checkPreviewDesired`. */
function checkPlacement(cluster: string, bundleId: string, d: DesiredState): DesiredState {
  if (d.cluster !== cluster) {
    throw new TerminalError(`desired state ${cluster}.${bundleId}: cluster "${d.cluster}" does not match the key's cluster "${cluster}"`);
  }
  if (d.bundleId !== bundleId) {
    throw new TerminalError(`desired state ${cluster}.${bundleId}: bundle_id "${d.bundleId}" does not match the key's bundle id "${bundleId}"`);
  }
  if (d.withdrawn) {
    if (d.digest !== '') {
      throw new TerminalError(`desired state ${cluster}.${bundleId}: a tombstone (withdrawn=true) must have an empty digest, got "${d.digest}"`);
    }
    return d;
  }
  if (!isBundleDigest(d.digest)) {
    throw new TerminalError(`desired state ${cluster}.${bundleId}: invalid digest "${d.digest}" (want sha256-<64 hex>)`);
  }
  return d;
}

/** What the agent recorded about a target's generations (inventory.ts `generation`, `withdrawn`). */
export interface RecordedGeneration {
  /** highest verified generation acted on, decimal string */
  generation: string;
  /** a verified tombstone withdrew the target at that generation */
  withdrawn?: boolean;
}

/**
 * Why a verified desired state must be refused because of its generation, or undefined (pure).
 * Generations only go up per target (design, "Safety invariants"): a generation below the
 * recorded one is a replayed older state; the recorded generation again as a normal desired state
 * after a tombstone of that generation is one too. An equal generation otherwise is a replay of
 * what was acted on (reconciled as usual). No record (first sight of the target): accepted.
 */
export function generationRefusal(desired: Pick<DesiredState, 'generation' | 'withdrawn'>, recorded: RecordedGeneration | null): string | undefined {
  if (recorded === null) return undefined;
  const last = BigInt(recorded.generation || '0');
  if (desired.generation < last) {
    return `generation ${desired.generation} is older than the last verified generation ${last}; refused (replayed?)`;
  }
  if (desired.generation === last && recorded.withdrawn === true && !desired.withdrawn) {
    return `generation ${desired.generation} was withdrawn by a signed tombstone of the same generation; refused (replayed?)`;
  }
  return undefined;
}
