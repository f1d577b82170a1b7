/** A JSON client of a hub under test (its admin API over HTTP). */

/** One answer: HTTP status, headers, raw text and the parsed JSON body (undefined when empty). */
export interface ApiAnswer {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever the API answers
  body: any;
}

/**
 * `api(method, path, body?, headers?)` against the hub at `base()` (read at each call: the port is
 * known only after `listen`), with `token` as a bearer token. A string body is sent as it is,
 * anything else as JSON. Never throws for an HTTP status.
 */
export function apiClient(base: () => string, token: string): (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiAnswer> {
  return async (method, path, body, headers = {}) => {
    const r = await fetch(`${base()}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, headers: r.headers, text, body: text ? JSON.parse(text) : undefined };
  };
}
