/**
 * The probe server (Kubernetes liveness and readiness probes; not to be confused with health/,
 * the health of the objects the agent applies): liveness and readiness endpoints: GET /healthz (the process runs) and GET /readyz (NATS
 * connected and the desired state has been watched at least once). Plain node:http.
 */
import { createServer, type Server } from 'node:http';

/** Starts the probe server on `port` (0 = any); resolves when it listens. */
export async function startProbeServer(port: number, ready: () => { ok: boolean; reason: string }): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (req.url === '/readyz') {
      const r = ready();
      res.writeHead(r.ok ? 200 : 503, { 'content-type': 'text/plain' }).end(`${r.reason}\n`);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
  return server;
}
