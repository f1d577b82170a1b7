import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP proxy in front of the test bed's Git server (which has no authentication) that
 * demands HTTP Basic credentials: a request without an `Authorization` header matching one of the
 * accepted user/password pairs gets 401 with `WWW-Authenticate: Basic`, any other is forwarded
 * unchanged (minus the header). With it a suite can check that a source's stored credentials are
 * really sent, and that wrong ones are refused. It counts what it saw.
 */
export class GitAuthProxy {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly counts: { accepted: number; challenged: number; refused: number },
  ) {}

  /** Requests forwarded (credentials accepted). */
  get accepted(): number {
    return this.counts.accepted;
  }

  /** Requests answered 401 because no credentials were sent. */
  get challenged(): number {
    return this.counts.challenged;
  }

  /** Requests answered 401 because the credentials were wrong. */
  get refused(): number {
    return this.counts.refused;
  }

  /**
   * Starts the proxy on a free loopback port in front of `upstreamUrl` (e.g. the test bed's
   * `gitUrl`), accepting the given `username`/`password` pairs.
   */
  static async start(upstreamUrl: string, accepted: ReadonlyArray<{ username: string; password: string }>): Promise<GitAuthProxy> {
    const valid = new Set(accepted.map((c) => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`));
    const upstream = new URL(upstreamUrl);
    const counts = { accepted: 0, challenged: 0, refused: 0 };
    const server = createServer((req, res) => {
      const auth = req.headers.authorization;
      if (!auth || !valid.has(auth)) {
        if (auth) counts.refused++;
        else counts.challenged++;
        res.writeHead(401, { 'www-authenticate': 'Basic realm="gitfleet-e2e"', 'content-type': 'text/plain' });
        res.end('authentication required\n');
        req.resume();
        return;
      }
      counts.accepted++;
      const headers = { ...req.headers, host: upstream.host };
      delete headers.authorization;
      const out = request({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: `${upstream.pathname.replace(/\/$/, '')}${req.url ?? '/'}`, headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      out.on('error', (err) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`upstream error: ${err.message}\n`);
      });
      req.pipe(out);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return new GitAuthProxy(server, `http://127.0.0.1:${port}`, counts);
  }

  /** Stops listening and closes open connections. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
