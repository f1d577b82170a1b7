/**
 * Domain errors thrown by services. They know nothing of HTTP: `DomainExceptionFilter` maps
 * them to status codes (NotFound → 404, Conflict → 409, Invalid → 400, AgentUnavailable → 504,
 * AgentReply → 502, Unauthenticated → 401, Forbidden → 403), and non-HTTP callers
 * (NATS handlers, the pipeline) catch them by class.
 */

/** Base class of every domain error; `message` is safe to show to an API client. */
export class DomainError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The named thing does not exist (HTTP 404). */
export class NotFoundError extends DomainError {
  constructor(kind: string, name: string) {
    super(`${kind} "${name}" not found`);
  }
}

/** The request conflicts with the current state, e.g. the name is taken (HTTP 409). */
export class ConflictError extends DomainError {}

/** The request is well-formed but its content is invalid (HTTP 400). */
export class InvalidInputError extends DomainError {}

/** The agent of a cluster did not answer a request: none connected, or no reply in time (HTTP 504). */
export class AgentUnavailableError extends DomainError {
  constructor(cluster: string, reason: string, options?: ErrorOptions) {
    super(`agent of cluster "${cluster}" did not answer: ${reason}`, options);
  }
}

/** The agent of a cluster answered with something unusable (HTTP 502). */
export class AgentReplyError extends DomainError {
  constructor(cluster: string, reason: string, options?: ErrorOptions) {
    super(`agent of cluster "${cluster}" gave an unusable answer: ${reason}`, options);
  }
}

/**
 * No valid credentials (HTTP 401 with `WWW-Authenticate: Bearer`). `invalidToken` marks a
 * token that was sent but is unknown or expired (RFC 6750 `error="invalid_token"`).
 */
export class UnauthenticatedError extends DomainError {
  constructor(
    message = 'authentication required: send Authorization: Bearer <token>',
    readonly invalidToken = false,
  ) {
    super(message);
  }
}

/** Valid credentials whose role does not allow the request (HTTP 403). */
export class ForbiddenError extends DomainError {}

/** The hub is not configured for the request, e.g. enrollment without NATS operator mode (HTTP 503). */
export class NotConfiguredError extends DomainError {}
