/**
 * The agent's three error classes (Flux kustomize-controller):
 *   - TerminalError: the desired state or its bundle is unusable (bad digest, contract, decode);
 *     report FAILED and do not retry until the desired state changes.
 *   - TransientError: something we depend on is unreachable or busy (apiserver, NATS, 5xx, 429,
 *     conflict); report FAILED with the reason and retry with backoff.
 *   - WaitingError: a precondition is not met yet (CRD not established); requeue, not an error.
 * Anything else thrown inside a reconcile is treated as transient.
 */

/** Error class names. */
export type ErrorClass = 'terminal' | 'transient' | 'waiting';

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

/** Error class of any thrown value: its own for the classes above, else transient. */
export function errorClassOf(err: unknown): ErrorClass {
  if (err instanceof TerminalError || err instanceof TransientError || err instanceof WaitingError) return err.errorClass;
  return 'transient';
}
