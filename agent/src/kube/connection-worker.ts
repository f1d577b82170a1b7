/**
 * Child-process body of `resolveConnection` (connection.ts): loads the kubeconfig with
 * `@kubernetes/client-node` exactly as the agent always did (kubeconfig file, else in-cluster
 * config in a pod, else client-node's default), lets client-node resolve TLS material and
 * credentials (exec plugins, auth providers, in-cluster token file) and writes them to stdout as
 * one JSON line (`WireResult`, bytes in base64). The process then exits, so client-node's
 * generated APIs and models never stay resident in the agent.
 *
 * Usage: `node connection-worker.js [kubeconfig]`.
 */
import type { RequestOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { encodeConnection, type KubeConnection, type WireResult } from './connection.js';

const kubeconfig = process.argv[2] || undefined;

/** Resolves the connection of the current context (see the module comment). */
async function resolve(): Promise<KubeConnection> {
  const kc = new KubeConfig();
  if (kubeconfig) kc.loadFromFile(kubeconfig);
  else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  const bytes = (v: unknown): Uint8Array | undefined => (v === undefined || v === null ? undefined : typeof v === 'string' ? Buffer.from(v) : (v as Uint8Array));
  const ctx = kc.getContextObject(kc.getCurrentContext());
  return {
    server: cluster.server,
    ca: bytes(opts.ca),
    cert: bytes(opts.cert),
    key: bytes(opts.key),
    pfx: bytes(opts.pfx),
    passphrase: opts.passphrase,
    rejectUnauthorized: opts.rejectUnauthorized,
    servername: opts.servername,
    headers,
    defaultNamespace: ctx?.namespace || 'default',
    proxyUrl: cluster.proxyUrl,
  };
}

/** Writes the result and exits once stdout is flushed. */
function reply(result: WireResult): void {
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
}

resolve().then(
  (conn) => reply({ ok: true, conn: encodeConnection(conn) }),
  (err: unknown) => reply({ ok: false, message: err instanceof Error ? err.message : String(err) }),
);
