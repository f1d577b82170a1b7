/**
 * The agent's three error classes (Flux kustomize-controller; @gitfleet/proto FailureClass, which
 * the status report carries):
 *   - TerminalError: the desired state or its bundle is unusable (bad digest, contract, decode);
 *     report FAILED and do not retry until the desired state changes.
 *   - TransientError: something we depend on is unreachable or busy (apiserver, NATS, 5xx, 429,
 *     conflict); report FAILED with the reason and retry with backoff.
 *   - WaitingError: a precondition is not met yet (CRD not established); requeue, not an error.
 * A ContractError (a message this release cannot read) is terminal: the same bytes never become
 * readable. Anything else thrown inside a reconcile is treated as transient.
 */
import { ContractError, decodeMessage, type DescMessage, type FailureClassName, type MessageShape } from '@gitfleet/proto';

/** Error class names: 'terminal' | 'waiting' | 'transient' (@gitfleet/proto FailureClassName). */
export type ErrorClass = FailureClassName;

/** Refuse until the desired state changes. */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
  readonly errorClass = 'terminal' as const;
}

/** Retry with exponential backoff. */
export class TransientError extends Error {
  override readonly name = 'TransientError';
  readonly errorClass = 'transient' as const;
}

/** Requeue after a fixed interval. */
export class WaitingError extends Error {
  override readonly name = 'WaitingError';
  readonly errorClass = 'waiting' as const;
}

/** Error class of any thrown value: its own for the classes above, terminal for a ContractError, else transient. */
export function errorClassOf(err: unknown): ErrorClass {
  if (err instanceof TerminalError || err instanceof TransientError || err instanceof WaitingError) return err.errorClass;
  if (err instanceof ContractError) return 'terminal';
  return 'transient';
}

/**
 * @gitfleet/proto decodeMessage for what the agent reconciles from (desired states, bundles):
 * a refusal is terminal.
 * @throws TerminalError with the ContractError's message (`<subject>: cannot decode <Type>` or
 *   `<subject>: incompatible contract_version "<v>" (reads 1.x)`) and the ContractError as cause
 */
export function decodeOrRefuse<Desc extends DescMessage>(schema: Desc, bytes: Uint8Array, subject: string): MessageShape<Desc> {
  try {
    return decodeMessage(schema, bytes, { subject });
  } catch (err) {
    if (err instanceof ContractError) throw new TerminalError(err.message, { cause: err });
    throw err;
  }
}
