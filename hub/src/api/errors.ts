/**
 * Domain errors thrown by services. They know nothing of HTTP: `DomainExceptionFilter` maps
 * them to status codes (NotFound → 404, Conflict → 409, Invalid → 400), and non-HTTP callers
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
