import { GitRepo } from './git-repo.js';
import { HubApi, type TargetView } from './hub-api.js';
import { Kubectl } from './kubectl.js';
import { NatsServer } from './nats-server.js';
import { createSigningKeys, type SigningKeyFiles } from './signing-keys.js';
import { createDatabase, startAgent, startHub, type HubProcess, type ManagedProcess } from './processes.js';
import { eventually } from './eventually.js';
import { loadTestbed, type Testbed } from './testbed.js';

/** Options of a running fleet for one suite. */
export interface FleetOptions {
  /** suite name: names the database, the Git repository and the log files (DNS label) */
  name: string;
  /** cluster labels per spoke; every spoke listed gets an agent */
  clusters: Record<string, Record<string, string>>;
  /** namespaces to clean of earlier runs' objects on every spoke before starting */
  namespaces: string[];
  /** extra command-line arguments for every agent */
  agentArgs?: string[];
  /** extra command-line arguments for one spoke's agent, after `agentArgs` (a repeated flag's last value wins) */
  agentArgsFor?: Record<string, string[]>;
}

/**
 * A whole gitfleet installation on the test bed for one suite: a fresh database, the suite's own
 * nats-server with JetStream, a bundle-signing key pair (the hub signs every desired state, the
 * agents verify it), one hub, one agent per spoke, the clusters registered with their labels, an empty Git
 * repository, and kubectl per spoke.
 */
export class Fleet {
  private constructor(
    readonly testbed: Testbed,
    readonly nats: NatsServer,
    readonly keys: SigningKeyFiles,
    readonly hub: HubProcess,
    readonly api: HubApi,
    readonly agents: Map<string, ManagedProcess>,
    readonly repo: GitRepo,
    readonly kube: Map<string, Kubectl>,
  ) {}

  /** Starts everything for a suite. @throws when the test bed is down or a process fails to start. */
  static async start(options: FleetOptions): Promise<Fleet> {
    const testbed = loadTestbed();
    const kube = new Map(testbed.spokes.map((s) => [s, new Kubectl(testbed, s)]));
    for (const spoke of Object.keys(options.clusters)) {
      if (!kube.has(spoke)) throw new Error(`no spoke "${spoke}" in the test bed (${testbed.spokes.join(', ')})`);
    }
    await Promise.all([...kube.values()].map((k) => k.cleanNamespaces(options.namespaces)));
    const nats = await NatsServer.start(testbed, options.name);
    const database = await createDatabase(testbed, `gitfleet_e2e_${options.name.replaceAll('-', '_')}`);
    const keys = createSigningKeys(testbed, options.name);
    const hub = await startHub(testbed, `${options.name}-hub`, database, { natsUrl: nats.url, signingKeyFile: keys.privateKeyFile });
    const api = new HubApi(hub.url, hub.adminToken);
    for (const [name, labels] of Object.entries(options.clusters)) await api.createCluster(name, labels);
    const agents = new Map(Object.keys(options.clusters).map((s) => [s, startAgent(testbed, s, ['--bundle-public-keys', keys.publicKeyFile, ...(options.agentArgs ?? []), ...(options.agentArgsFor?.[s] ?? [])], false, nats.url)]));
    const repo = await GitRepo.create(testbed, options.name);
    return new Fleet(testbed, nats, keys, hub, api, agents, repo, kube);
  }

  /** kubectl for one spoke. */
  kubectl(spoke: string): Kubectl {
    const k = this.kube.get(spoke);
    if (!k) throw new Error(`unknown spoke ${spoke}`);
    return k;
  }

  /**
   * Waits until the given clusters report `revision` of `bundleId` applied (status Synced) and
   * returns the bundle's targets. With `exact` (default), the bundle must target exactly those
   * clusters; without it, other targets of the bundle are not looked at.
   * @throws Error naming each cluster's state when the time is up.
   */
  async waitForRevision(bundleId: string, revision: string, clusters: string[], options: { exact?: boolean; timeoutMs?: number } = {}): Promise<TargetView[]> {
    const { exact = true, timeoutMs = 60_000 } = options;
    return eventually(`bundle ${bundleId} at ${revision.slice(0, 8)} on ${clusters.join(',')}`, async () => {
      const targets = await this.api.targets({ bundle: bundleId });
      const targeted = targets.map((t) => t.cluster).sort();
      if (exact && targeted.join(',') !== [...clusters].sort().join(',')) {
        throw new Error(`targeted clusters are ${targeted.join(',') || 'none'}`);
      }
      for (const cluster of clusters) {
        const t = targets.find((x) => x.cluster === cluster);
        if (!t) throw new Error(`${cluster}: not targeted`);
        if (t.status !== 'Synced' || t.applied?.revision !== revision) {
          const failed = (t.applied?.resources ?? []).filter((r) => r.action === 'failed').map((r) => `${r.kind}/${r.name}: ${r.message}`);
          const bundle = (await this.api.bundles()).find((b) => b.id === bundleId);
          throw new Error(`${cluster}: status ${t.status}, applied ${t.applied?.revision?.slice(0, 8) ?? 'nothing'}, errors ${JSON.stringify([...(t.applied?.errors ?? []), ...failed])}; bundle ${bundle?.state} at ${bundle?.revision?.slice(0, 8)} ${JSON.stringify(bundle?.errors ?? [])}`);
        }
      }
      return targets;
    }, timeoutMs);
  }

  /** Stops agents and hub and removes the working clone. */
  async stop(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.stop()));
    await this.hub.stop();
    await this.nats.dispose();
    this.repo.dispose();
  }
}
