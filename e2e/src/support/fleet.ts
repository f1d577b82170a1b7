import { createDatabase, eventually, GitRepo, type NatsServer } from '@gitfleet/testing';
import { startNatsServer } from './nats-server.js';
import { HubApi, type TargetView } from './hub-api.js';
import { Kubectl } from './kubectl.js';
import { createSigningKeys, type SigningKeyFiles } from './signing-keys.js';
import { startAgent, startHub, type HubProcess, type ManagedProcess } from './processes.js';
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
  /** extra environment of the hub (e.g. GITFLEET_SECRETS_KEY, GITFLEET_LOG_LEVEL) */
  hubEnv?: NodeJS.ProcessEnv;
  /**
   * user and password written into the agents' NATS URL (`nats://user:password@…`); the suite's
   * nats-server requires no authentication, so it accepts them (a secret the agents must not log)
   */
  agentNatsUserInfo?: { user: string; password: string };
}

/**
 * A whole gitfleet installation on the test bed for one suite: a fresh database, the suite's own
 * nats-server with JetStream, a bundle-signing key pair (the hub signs every desired state, the
 * agents verify it), one hub, one agent per spoke, the clusters registered with their labels, an empty Git
 * repository, and kubectl per spoke.
 */
export class Fleet {
  /** each spoke's agent arguments, to start it again */
  private readonly agentArgs = new Map<string, string[]>();
  /** log files of every agent process started so far (restarts write new ones) */
  private readonly agentLogs = new Set<string>();
  /** the NATS URL the agents are given (with FleetOptions.agentNatsUserInfo when set) */
  private agentNatsUrlWithUserInfo = '';
  /** the hub's extra environment (FleetOptions.hubEnv), to start it again */
  private hubEnv: NodeJS.ProcessEnv = {};

  /** `nats`'s URL with `userInfo` written in. */
  private static agentNatsUrl(nats: NatsServer, userInfo?: { user: string; password: string }): string {
    if (!userInfo) return nats.url;
    const u = new URL(nats.url);
    u.username = userInfo.user;
    u.password = userInfo.password;
    return u.toString().replace(/\/$/, '');
  }

  /** Log files of every agent process started so far (restarts too). */
  agentLogFiles(): string[] {
    return [...this.agentLogs];
  }

  private constructor(
    readonly testbed: Testbed,
    readonly nats: NatsServer,
    readonly keys: SigningKeyFiles,
    public hub: HubProcess,
    readonly api: HubApi,
    readonly agents: Map<string, ManagedProcess>,
    readonly repo: GitRepo,
    readonly kube: Map<string, Kubectl>,
    /** URL of the suite's own database */
    readonly databaseUrl: string,
  ) {}

  /** Starts everything for a suite. @throws when the test bed is down or a process fails to start. */
  static async start(options: FleetOptions): Promise<Fleet> {
    const testbed = loadTestbed();
    const kube = new Map(testbed.spokes.map((s) => [s, new Kubectl(testbed, s)]));
    for (const spoke of Object.keys(options.clusters)) {
      if (!kube.has(spoke)) throw new Error(`no spoke "${spoke}" in the test bed (${testbed.spokes.join(', ')})`);
    }
    await Promise.all([...kube.values()].map((k) => k.cleanNamespaces(options.namespaces)));
    const nats = await startNatsServer(testbed, options.name);
    // whatever started is stopped again when a later step fails, so the test process can exit
    let hub: HubProcess | undefined;
    let agents = new Map<string, ManagedProcess>();
    let parts: { database: string; keys: SigningKeyFiles; hub: HubProcess; api: HubApi; agentArgs: Map<string, string[]>; repo: GitRepo };
    try {
      const database = (await createDatabase(testbed.databaseUrl, `gitfleet_e2e_${options.name.replaceAll('-', '_')}`)).url;
      const keys = createSigningKeys(testbed, options.name);
      hub = await startHub(testbed, `${options.name}-hub`, database, { natsUrl: nats.url, signingKeyFile: keys.privateKeyFile, ...(options.hubEnv ? { env: options.hubEnv } : {}) });
      const api = new HubApi(hub.url, hub.adminToken);
      for (const [name, labels] of Object.entries(options.clusters)) await api.createCluster(name, labels);
      const agentArgs = new Map(Object.keys(options.clusters).map((s) => [s, ['--bundle-public-keys', keys.publicKeyFile, ...(options.agentArgs ?? []), ...(options.agentArgsFor?.[s] ?? [])]]));
      const agentNatsUrl = Fleet.agentNatsUrl(nats, options.agentNatsUserInfo);
      agents = new Map([...agentArgs].map(([s, args]) => [s, startAgent(testbed, s, args, false, agentNatsUrl)]));
      const repo = await GitRepo.create(testbed, options.name);
      parts = { database, keys, hub, api, agentArgs, repo };
    } catch (err) {
      await Promise.all([...agents.values()].map((a) => a.stop()));
      await hub?.stop();
      await nats.dispose();
      throw err;
    }
    const { database, keys, api, agentArgs, repo } = parts;
    const fleet = new Fleet(testbed, nats, keys, parts.hub, api, agents, repo, kube, database);
    fleet.agentNatsUrlWithUserInfo = Fleet.agentNatsUrl(nats, options.agentNatsUserInfo);
    fleet.hubEnv = options.hubEnv ?? {};
    for (const [s, args] of agentArgs) fleet.agentArgs.set(s, args);
    for (const a of agents.values()) fleet.agentLogs.add(a.logFile);
    return fleet;
  }

  /**
   * Kills the hub with SIGKILL (no shutdown hook runs) and starts it again on the same port,
   * database, NATS server, signing key and admin token, so `api` keeps working.
   * @throws when the new hub does not become ready.
   */
  async killAndRestartHub(extraEnv: NodeJS.ProcessEnv = {}): Promise<HubProcess> {
    const old = this.hub;
    const exited = new Promise<void>((resolve) => (old.child.exitCode !== null || old.child.signalCode !== null ? resolve() : old.child.once('exit', () => resolve())));
    old.child.kill('SIGKILL');
    await exited;
    const port = Number(new URL(old.url).port);
    this.hub = await startHub(this.testbed, `${old.name}-restarted`, this.databaseUrl, {
      port, adminToken: old.adminToken, natsUrl: this.nats.url, signingKeyFile: this.keys.privateKeyFile, env: { ...this.hubEnv, ...extraEnv },
    });
    return this.hub;
  }

  /** Stops one spoke's agent (SIGTERM); what it applied stays in the cluster. */
  async stopAgent(spoke: string): Promise<void> {
    await this.agents.get(spoke)?.stop();
  }

  /**
   * Starts one spoke's agent again (after `stopAgent`) with the arguments it was first started
   * with; each restart logs to a new file, `agent-<spoke>-<n>.log`.
   * @throws Error for a spoke without an agent, or one whose agent still runs.
   */
  startAgent(spoke: string): ManagedProcess {
    const args = this.agentArgs.get(spoke);
    const current = this.agents.get(spoke);
    if (!args) throw new Error(`spoke ${spoke} has no agent in this fleet`);
    if (current && current.child.exitCode === null && current.child.signalCode === null) throw new Error(`the agent of ${spoke} still runs`);
    const agent = startAgent(this.testbed, spoke, args, false, this.agentNatsUrlWithUserInfo, `agent-${spoke}-${this.agentLogs.size + 1}`);
    this.agents.set(spoke, agent);
    this.agentLogs.add(agent.logFile);
    return agent;
  }

  /** Every log file the fleet's processes wrote: the hub's, each agent's (restarts too), the nats-server's. */
  logFiles(): string[] {
    return [this.hub.logFile, ...this.agentLogs, ...(this.nats.logFile ? [this.nats.logFile] : [])];
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
