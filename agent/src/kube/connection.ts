/**
 * Kubernetes connection resolution in a short-lived child process. `@kubernetes/client-node`
 * (kubeconfig parsing, exec plugins, auth providers, in-cluster token) costs 50–90 MiB of RSS
 * once imported, because it pulls every generated API and model; the agent needs it only to turn
 * a kubeconfig into a server URL, TLS material and request headers. connection-worker.js does
 * that and exits. A child process rather than a worker thread: after a worker thread that
 * imported client-node exits, ~32 MiB of freed native memory stays in the agent's RSS (malloc
 * does not hand it back); after a child process, nothing does.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Plain connection options of one apiserver, as resolved from a kubeconfig. */
export interface KubeConnection {
  /** apiserver URL, e.g. `https://10.0.0.1:6443` */
  server: string;
  ca?: Uint8Array;
  cert?: Uint8Array;
  key?: Uint8Array;
  pfx?: Uint8Array;
  passphrase?: string;
  /** undefined → Node's default (verify, unless NODE_TLS_REJECT_UNAUTHORIZED=0) */
  rejectUnauthorized?: boolean;
  servername?: string;
  /** headers of every request: Authorization (bearer or basic), Impersonate-*, … */
  headers: Record<string, string>;
  /** namespace of the current context, else `default` */
  defaultNamespace: string;
  /** the cluster's proxy-url, when set (http(s) proxies only) */
  proxyUrl?: string;
}

const BYTE_FIELDS = ['ca', 'cert', 'key', 'pfx'] as const;

/** A `KubeConnection` as JSON: byte fields in base64. */
export type WireConnection = Omit<KubeConnection, (typeof BYTE_FIELDS)[number]> & Partial<Record<(typeof BYTE_FIELDS)[number], string>>;

/** What connection-worker.js writes to stdout (one JSON line). */
export type WireResult = { ok: true; conn: WireConnection } | { ok: false; message: string };

/** Encodes a connection for the wire (byte fields → base64). */
export function encodeConnection(conn: KubeConnection): WireConnection {
  const out: Record<string, unknown> = { ...conn };
  for (const f of BYTE_FIELDS) {
    const v = conn[f];
    out[f] = v === undefined ? undefined : Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  }
  return out as WireConnection;
}

/** Decodes a connection from the wire (base64 → bytes). */
export function decodeConnection(wire: WireConnection): KubeConnection {
  const out: Record<string, unknown> = { ...wire };
  for (const f of BYTE_FIELDS) {
    const v = wire[f];
    out[f] = v === undefined ? undefined : Buffer.from(v, 'base64');
  }
  return out as unknown as KubeConnection;
}

/** How long a resolution may take (an exec plugin may call a slow identity provider). */
const RESOLVE_TIMEOUT_MS = 60_000;

/**
 * Resolves the connection of a kubeconfig in a child process that imports
 * `@kubernetes/client-node` and exits afterwards: `kubeconfig` when given; else the in-cluster
 * config in a pod (KUBERNETES_SERVICE_HOST set); else client-node's default ($KUBECONFIG,
 * ~/.kube/config).
 * @throws Error with client-node's message when the kubeconfig cannot be loaded or resolved
 */
export function resolveConnection(kubeconfig?: string): Promise<KubeConnection> {
  return new Promise((resolve, reject) => {
    const script = fileURLToPath(new URL('./connection-worker.js', import.meta.url));
    const child = spawn(process.execPath, [script, kubeconfig ?? ''], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: RESOLVE_TIMEOUT_MS,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const text = Buffer.concat(out).toString('utf8').trim().split('\n').pop() ?? '';
      let result: WireResult | undefined;
      try {
        result = text ? (JSON.parse(text) as WireResult) : undefined;
      } catch {
        result = undefined;
      }
      if (result?.ok) resolve(decodeConnection(result.conn));
      else if (result) reject(new Error(result.message));
      else {
        const stderr = Buffer.concat(err).toString('utf8').trim().slice(-2000);
        reject(new Error(`kubeconfig resolver failed (${signal ? `signal ${signal}` : `exit code ${code}`})${stderr ? `: ${stderr}` : ''}`));
      }
    });
  });
}
