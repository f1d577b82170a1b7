/** Maximum size of a request body (JSON or form), in the notation of body-parser's `limit`. */
export const BODY_LIMIT = '1mb';

/** `BODY_LIMIT` for messages: body-parser reads '1mb' as 1 MiB (bytes package, base 1024). */
export const BODY_LIMIT_TEXT = '1 MiB';
