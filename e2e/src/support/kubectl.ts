import { run } from './exec.js';
import { kubeconfigOf, type Testbed } from './testbed.js';

/** A Kubernetes object as kubectl prints it with `-o json`. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string; namespace?: string; uid?: string; resourceVersion?: string; generation?: number; creationTimestamp?: string;
    labels?: Record<string, string>; annotations?: Record<string, string>;
    /** only when read with `{ managedFields: true }` */
    managedFields?: Array<{ manager?: string; operation?: string; subresource?: string; time?: string; fieldsV1?: unknown }>;
  };
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

  /** Reads one object, or undefined when it does not exist; `managedFields: true` keeps metadata.managedFields. */
  async get(kind: string, name: string, namespace?: string, options: { managedFields?: boolean } = {}): Promise<KubeObject | undefined> {
    const ns = namespace ? ['-n', namespace] : [];
    const mf = options.managedFields ? ['--show-managed-fields'] : [];
    const out = await this.run('get', kind, name, ...ns, ...mf, '--ignore-not-found', '-o', 'json');
    return out.trim() === '' ? undefined : (JSON.parse(out) as KubeObject);
  }

  /** Lists objects of a kind in a namespace (or all namespaces when undefined); `managedFields: true` keeps metadata.managedFields. */
  async list(kind: string, namespace?: string, selector?: string, options: { managedFields?: boolean } = {}): Promise<KubeObject[]> {
    const ns = namespace ? ['-n', namespace] : ['--all-namespaces'];
    const sel = selector ? ['-l', selector] : [];
    const mf = options.managedFields ? ['--show-managed-fields'] : [];
    const out = await this.run('get', kind, ...ns, ...sel, ...mf, '-o', 'json');
    return (JSON.parse(out) as { items: KubeObject[] }).items;
  }

  /**
   * Deletes what earlier runs left: every object gitfleet labelled in the given namespaces, the
   * agents' inventories and state caches. Namespaces themselves stay (other suites reuse them).
   */
  async cleanNamespaces(namespaces: string[]): Promise<void> {
    for (const ns of namespaces) {
      await this.run('delete', 'deployments,services,configmaps,secrets', '-n', ns, '-l', 'app.kubernetes.io/managed-by=gitfleet', '--ignore-not-found', '--wait=false');
    }
    await this.run('delete', 'configmaps', '--all-namespaces', '-l', 'gitfleet.io/inventory=true', '--ignore-not-found', '--wait=false');
    // the agents' state caches (cache/): an earlier suite's desired states, signed by its own key
    await this.run('delete', 'secrets', '--all-namespaces', '-l', 'gitfleet.io/state-cache=v1', '--ignore-not-found', '--wait=false');
  }
}

/** The field manager of the agent's server-side applies (agent/src/labels.ts FIELD_MANAGER). */
export const AGENT_FIELD_MANAGER = 'gitfleet-agent';

/**
 * What changes only when someone writes an object's spec or the agent writes it, for "nothing was
 * written" checks: `<uid> generation=<n> agent=<time and fields of the agent's apply entry>`.
 * resourceVersion is no such proof on the test bed's spokes, which all run kube-controller-manager:
 * a Deployment's status, and its `deployment.kubernetes.io/revision` annotation, change while it
 * rolls out. An agent write that changes anything updates its managedFields entry (the apply's
 * time and fields); a spec change by anyone bumps metadata.generation.
 * @param o an object read with `{ managedFields: true }`
 * @throws Error when `o` carries no managedFields (read without them)
 */
export function writeStamp(o: KubeObject): string {
  const managed = o.metadata.managedFields;
  if (!managed) throw new Error(`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name} was read without managedFields: get/list it with { managedFields: true }`);
  const agent = managed.filter((m) => m.manager === AGENT_FIELD_MANAGER && !m.subresource);
  return `${o.metadata.uid} generation=${o.metadata.generation} agent=${JSON.stringify(agent.map((m) => [m.operation, m.time, m.fieldsV1]))}`;
}
