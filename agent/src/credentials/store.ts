/**
 * Where the agent keeps the NATS credentials it got at enrollment (a NATS creds file: the user
 * JWT and the user's nkey seed): a Kubernetes Secret in its own namespace, or a file when it
 * runs outside the cluster. Both survive restarts, so the agent enrolls only once.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ensureNamespace } from '../kube/apply.js';
import type { KubeClient } from '../kube/client.js';
import { FIELD_MANAGER, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../labels.js';

/** Key of the creds file inside the Secret. */
export const CREDS_KEY = 'nats.creds';

/** A place that holds one NATS creds file. */
export interface CredentialsStore {
  /** Human-readable location for logs, e.g. `secret gitfleet-system/gitfleet-agent-nats`. */
  readonly location: string;
  /** The stored creds, or undefined when none are stored yet. @throws on I/O errors other than "not found" */
  load(): Promise<Uint8Array | undefined>;
  /** Stores `creds`, replacing what was there. @throws on I/O errors */
  save(creds: Uint8Array): Promise<void>;
}

/** A Secret `<namespace>/<name>` with the creds under key `nats.creds` (server-side applied). */
export class SecretCredentialsStore implements CredentialsStore {
  readonly location: string;

  constructor(
    private readonly kube: KubeClient,
    private readonly namespace: string,
    private readonly name: string,
  ) {
    this.location = `secret ${namespace}/${name}`;
  }

  /** Reads the Secret's `nats.creds`; undefined when the Secret or the key is missing. */
  async load(): Promise<Uint8Array | undefined> {
    const secret = await this.kube.getObject({ apiVersion: 'v1', kind: 'Secret', namespace: this.namespace, name: this.name });
    const data = (secret as { data?: Record<string, string> } | null)?.data?.[CREDS_KEY];
    return data ? new Uint8Array(Buffer.from(data, 'base64')) : undefined;
  }

  /** Creates the namespace when missing, then applies the Secret. */
  async save(creds: Uint8Array): Promise<void> {
    await ensureNamespace(this.kube, this.namespace, { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE });
    await this.kube.applyObject({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: this.name, namespace: this.namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } },
      type: 'Opaque',
      data: { [CREDS_KEY]: Buffer.from(creds).toString('base64') },
    } as never, { fieldManager: FIELD_MANAGER, force: true });
  }
}

/** A creds file on disk, written atomically (temporary file + rename) with mode 0600. */
export class FileCredentialsStore implements CredentialsStore {
  readonly location: string;

  constructor(private readonly path: string) {
    this.location = `file ${path}`;
  }

  /** The file's bytes; undefined when it does not exist. */
  async load(): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.path));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Writes the file (creating its directory). */
  async save(creds: Uint8Array): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, creds, { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, this.path);
  }
}
