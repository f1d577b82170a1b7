/**
 * Decoding and validation of a DesiredState read from the KV bucket. Pure.
 * Every refusal is terminal: the same bytes will never become valid, only a new value can.
 */
import {
  CONTRACT_VERSION,
  type DesiredState,
  DesiredStateSchema,
  fromBinary,
  isBundleDigest,
  isCompatibleContract,
  type SyncPolicy,
} from '@gitfleet/proto';
import { TerminalError } from '../errors.js';

/** Sync policy with the contract's defaults (all true) when the message carries none. */
export function effectiveSyncPolicy(desired: DesiredState): Pick<SyncPolicy, 'automated' | 'prune' | 'selfHeal'> {
  const p = desired.syncPolicy;
  return p ? { automated: p.automated, prune: p.prune, selfHeal: p.selfHeal } : { automated: true, prune: true, selfHeal: true };
}

/**
 * Decodes the value of KV key `<cluster>.<bundleId>` and checks it belongs there.
 * @throws TerminalError when the bytes do not decode, the contract major differs, the message's
 *   cluster or bundle id differs from the key, or the digest is not `sha256-<64 hex>`
 */
export function decodeDesired(cluster: string, bundleId: string, bytes: Uint8Array): DesiredState {
  let d: DesiredState;
  try {
    d = fromBinary(DesiredStateSchema, bytes);
  } catch (cause) {
    throw new TerminalError(`desired state ${cluster}.${bundleId}: cannot decode DesiredState`, { cause });
  }
  if (!isCompatibleContract(d.contractVersion)) {
    throw new TerminalError(`desired state ${cluster}.${bundleId}: incompatible contract_version "${d.contractVersion}" (agent reads ${CONTRACT_VERSION.split('.')[0]}.x)`);
  }
  if (d.cluster !== cluster) {
    throw new TerminalError(`desired state ${cluster}.${bundleId}: cluster "${d.cluster}" does not match the key's cluster "${cluster}"`);
  }
  if (d.bundleId !== bundleId) {
    throw new TerminalError(`desired state ${cluster}.${bundleId}: bundle_id "${d.bundleId}" does not match the key's bundle id "${bundleId}"`);
  }
  if (!isBundleDigest(d.digest)) {
    throw new TerminalError(`desired state ${cluster}.${bundleId}: invalid digest "${d.digest}" (want sha256-<64 hex>)`);
  }
  return d;
}
