import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { parse } from 'yaml';
import { kubeconfigOf, type Testbed } from './testbed.js';

interface KubeconfigFile {
  clusters: Array<{ cluster: { server: string; 'certificate-authority-data'?: string } }>;
  users: Array<{ user: { token?: string } }>;
}

/**
 * Direct HTTPS calls to a spoke's kube-apiserver with its kubeconfig's token, for benchmarks that
 * need to know to the millisecond when an edit was committed (kubectl's process start-up would
 * blur that). Tests check state with kubectl; this only times edits.
 */
export class KubeHttp {
  private readonly server: URL;
  private readonly ca: Buffer | undefined;
  private readonly token: string | undefined;

  constructor(testbed: Testbed, spoke: string) {
    const cfg = parse(readFileSync(kubeconfigOf(testbed, spoke), 'utf8')) as KubeconfigFile;
    const cluster = cfg.clusters[0]?.cluster;
    if (!cluster) throw new Error(`kubeconfig of ${spoke} has no cluster`);
    this.server = new URL(cluster.server);
    const caData = cluster['certificate-authority-data'];
    this.ca = caData ? Buffer.from(caData, 'base64') : undefined;
    this.token = cfg.users[0]?.user.token;
  }

  /**
   * Sends one request; resolves with the parsed body.
   * @throws Error with the status and body on a non-2xx answer.
   */
  call<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    return new Promise((resolve, reject) => {
      const req = request({
        host: this.server.hostname,
        port: this.server.port,
        method,
        path,
        ca: this.ca,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 500) >= 300) reject(new Error(`${method} ${path} → ${res.statusCode}: ${text}`));
          else resolve(JSON.parse(text) as T);
        });
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }
}
