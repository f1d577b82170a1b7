import { run } from './exec.js';
import { kubeconfigOf, type Testbed } from './testbed.js';

/** A Kubernetes object as kubectl prints it with `-o json`. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string; creationTimestamp?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * kubectl against one spoke of the test bed: the independent client the tests check with.
 */
export class Kubectl {
  constructor(private readonly testbed: Testbed, readonly spoke: string) {}

  /** Runs kubectl with the spoke's kubeconfig; returns stdout. @throws on a non-zero exit. */
  async run(...args: string[]): Promise<string> {
    return (await run('kubectl', ['--kubeconfig', kubeconfigOf(this.testbed, this.spoke), ...args])).stdout;
  }

  /** Reads one object, or undefined when it does not exist. */
  async get(kind: string, name: string, namespace?: string): Promise<KubeObject | undefined> {
    const ns = namespace ? ['-n', namespace] : [];
    const out = await this.run('get', kind, name, ...ns, '--ignore-not-found', '-o', 'json');
    return out.trim() === '' ? undefined : (JSON.parse(out) as KubeObject);
  }

  /** Lists objects of a kind in a namespace (or all namespaces when undefined). */
  async list(kind: string, namespace?: string, selector?: string): Promise<KubeObject[]> {
    const ns = namespace ? ['-n', namespace] : ['--all-namespaces'];
    const sel = selector ? ['-l', selector] : [];
    const out = await this.run('get', kind, ...ns, ...sel, '-o', 'json');
    return (JSON.parse(out) as { items: KubeObject[] }).items;
  }

  /**
   * Deletes what earlier runs left: every object gitfleet labelled in the given namespaces and
   * the agent's inventories. Namespaces themselves stay (the test bed runs no namespace controller).
   */
  async cleanNamespaces(namespaces: string[]): Promise<void> {
    for (const ns of namespaces) {
      await this.run('delete', 'deployments,services,configmaps,secrets', '-n', ns, '-l', 'app.kubernetes.io/managed-by=gitfleet', '--ignore-not-found', '--wait=false');
    }
    await this.run('delete', 'configmaps', '--all-namespaces', '-l', 'gitfleet.io/inventory=true', '--ignore-not-found', '--wait=false');
  }
}
