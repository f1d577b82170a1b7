/**
 * Reading a fleet.v1 message off the wire: decode the protobuf binary, then check its
 * `contract_version`. Every handler that reads a message does it through {@link decodeMessage},
 * so a refusal always reads the same and carries the same error class. Pure.
 */
import { fromBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { CONTRACT_VERSION, isCompatibleContract } from './names.js';

/** Why a message was refused: its bytes are not the message, or its contract major is not ours. */
export type ContractRefusal = 'undecodable' | 'incompatible-contract';

/** Longest part of a received contract_version quoted in an error (the rest is cut off). */
const MAX_QUOTED_VERSION = 40;

/**
 * A received message this release cannot read. The message is `<subject>: <detail>`, e.g.
 * `desired state spoke1.web: incompatible contract_version "2.0.0" (reads 1.x)` or
 * `bundle sha256-…: cannot decode BundleManifest`; `reason` is the machine-readable class,
 * `detail` the text after the subject, and `cause` (for 'undecodable') the protobuf decoder's error.
 */
export class ContractError extends Error {
  override readonly name = 'ContractError';

  constructor(
    /** what was being read, e.g. "desired state spoke1.web", "status report on fleet.status.c1" */
    readonly subject: string,
    readonly reason: ContractRefusal,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${subject}: ${detail}`, options);
  }
}

/** Options of {@link decodeMessage}. */
export interface DecodeOptions {
  /** names what is read, for the error message (see {@link ContractError.subject}) */
  subject: string;
}

/**
 * Decodes `bytes` as a `schema` message (protobuf binary, unknown fields kept as protobuf-es does)
 * and checks its `contract_version` with {@link isCompatibleContract} (same major as
 * CONTRACT_VERSION; empty refused). Every fleet.v1 message carries `contract_version` as field 1.
 * @throws ContractError reason 'undecodable' ("cannot decode <Type>", the decoder's error as
 *   cause) or 'incompatible-contract' ("incompatible contract_version "<v>" (reads <major>.x)",
 *   the version cut to 40 characters)
 */
export function decodeMessage<Desc extends DescMessage>(
  schema: Desc,
  bytes: Uint8Array,
  { subject }: DecodeOptions,
): MessageShape<Desc> & { contractVersion: string } {
  let msg: MessageShape<Desc>;
  try {
    msg = fromBinary(schema, bytes);
  } catch (cause) {
    throw new ContractError(subject, 'undecodable', `cannot decode ${schema.name}`, { cause });
  }
  const version = (msg as { contractVersion?: unknown }).contractVersion;
  if (typeof version !== 'string') throw new Error(`decodeMessage: ${schema.typeName} has no contract_version field`);
  if (!isCompatibleContract(version)) {
    const quoted = version.slice(0, MAX_QUOTED_VERSION);
    throw new ContractError(subject, 'incompatible-contract', `incompatible contract_version "${quoted}" (reads ${CONTRACT_VERSION.split('.')[0]}.x)`);
  }
  return msg as MessageShape<Desc> & { contractVersion: string };
}
