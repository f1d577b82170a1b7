/**
 * Classification of Kubernetes API failures into the agent's error classes. Pure.
 *
 * Flux kustomize-controller's three classes: `transient` (apiserver unreachable, 5xx, 429 Too
 * Many Requests, 409 Conflict: retry with backoff), `waiting` (the kind is not served yet, e.g.
 * its CRD is not established: requeue) and `failed` (the apiserver refused the object, e.g. 422
 * Invalid or 403 Forbidden: report it; retrying the same object changes nothing).
 */

/** Error class of one Kubernetes API failure. */
export type KubeErrorClass = 'transient' | 'waiting' | 'failed';

/** A classified Kubernetes API failure: class, HTTP status (0 when none) and a message. */
export interface KubeFailure {
  errorClass: KubeErrorClass;
  status: number;
  /** the apiserver's Status message when there is one, else the error's own message */
  message: string;
}

/** Shape of client-node's ApiException, duck-typed so this module needs no client. */
interface ApiExceptionLike {
  code: number;
  body: unknown;
}

function isApiException(err: unknown): err is ApiExceptionLike {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'number' && 'body' in err;
}

/**
 * The `message` of a Kubernetes Status body (a JSON string or an object), or undefined.
 * Example: `ConfigMap "x" is invalid: metadata.name: Invalid value: ...`.
 */
export function statusMessage(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.trim() === '' ? undefined : body.trim().slice(0, 2000);
    }
  }
  if (typeof parsed === 'object' && parsed !== null) {
    const msg = (parsed as { message?: unknown }).message;
    if (typeof msg === 'string' && msg !== '') return msg;
  }
  return undefined;
}

/** Messages of client-node and the apiserver that mean "this kind is not served (yet)". */
const NOT_SERVED = /Unrecognized API version and kind|Failed to fetch resource metadata for .*HTTP-Code: 404|no matches for kind|the server could not find the requested resource/;

/**
 * Classifies any error thrown by a Kubernetes call (see the module comment for the rules).
 * Errors without an HTTP status (connection refused, reset, timeout, DNS) are transient.
 */
export function classifyKubeError(err: unknown): KubeFailure {
  if (isApiException(err)) {
    const status = err.code;
    const message = statusMessage(err.body) ?? `HTTP ${status}`;
    if (err instanceof Error && NOT_SERVED.test(err.message)) {
      return { errorClass: 'waiting', status, message: `kind not served by the apiserver: ${message}` };
    }
    if (status === 429 || status === 409 || status >= 500 || status === 0) {
      return { errorClass: 'transient', status, message };
    }
    return { errorClass: 'failed', status, message };
  }
  const message = errorMessage(err);
  if (NOT_SERVED.test(message)) return { errorClass: 'waiting', status: 0, message };
  return { errorClass: 'transient', status: 0, message };
}

/** The message of an error and of its causes, joined by ': ' (no stack). */
export function errorMessage(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    if (cur instanceof Error) {
      const code = (cur as { code?: unknown }).code;
      const text = cur.message || cur.name;
      parts.push(typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text);
      cur = cur.cause;
    } else {
      parts.push(String(cur));
      cur = undefined;
    }
  }
  return parts.join(': ');
}
