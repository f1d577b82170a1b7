import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import { eventually } from './eventually.js';
import { freePort } from './processes.js';
import type { Testbed } from './testbed.js';

/**
 * NATS operator (JWT) mode for a suite's server: the directory `gitfleet-hub nats-bootstrap`
 * wrote (its `server.conf` fragment is included, its `hub.creds` probes readiness).
 */
export interface OperatorMode {
  /** the bootstrap output directory */
  dir: string;
}

/**
 * A suite's own nats-server with JetStream (the test bed's binary, a free loopback port, a store
 * folder of its own), so suites never share or reset another run's JetStream state. It can be
 * stopped and started again on the same port and store, like a server restart. With an
 * `OperatorMode` it runs with JWT authentication and a monitoring port (connz).
 */
export class NatsServer {
  private child: ChildProcess | undefined;

  private constructor(
    private readonly testbed: Testbed,
    readonly name: string,
    readonly port: number,
    private readonly storeDir: string,
    /** the server's log file (appended to on every start) */
    readonly logFile: string,
    /** operator mode, when on */
    readonly operator?: OperatorMode,
    /** monitoring port (operator mode only) */
    readonly monitorPort?: number,
  ) {}

  /** URL clients connect to. */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Starts a new server and waits until it accepts connections. */
  static async start(testbed: Testbed, name: string, operator?: OperatorMode): Promise<NatsServer> {
    const logDir = path.join(testbed.stateDir, 'logs', 'e2e');
    mkdirSync(logDir, { recursive: true });
    const server = new NatsServer(
      testbed, name, await freePort(), mkdtempSync(path.join(tmpdir(), `gitfleet-nats-${name}-`)), path.join(logDir, `${name}-nats.log`),
      operator, operator ? await freePort() : undefined,
    );
    await server.start();
    return server;
  }

  /**
   * Connections the server holds now, from its monitoring endpoint (`/connz?auth=true`):
   * connection name and authorized user (the user's public key in operator mode).
   * @throws Error without operator mode (no monitoring port).
   */
  async connections(): Promise<{ name: string; user: string }[]> {
    if (!this.monitorPort) throw new Error('connz needs operator mode (monitoring port)');
    const res = await fetch(`http://127.0.0.1:${this.monitorPort}/connz?auth=true&limit=1024`);
    const body = (await res.json()) as { connections?: { name?: string; authorized_user?: string }[] };
    return (body.connections ?? []).map((c) => ({ name: c.name ?? '', user: c.authorized_user ?? '' }));
  }

  private args(): string[] {
    if (!this.operator) return ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.storeDir, '-n', this.name];
    const conf = path.join(this.operator.dir, `${this.name}-server.conf`);
    writeFileSync(conf, [
      `server_name: ${JSON.stringify(this.name)}`,
      `listen: "127.0.0.1:${this.port}"`,
      `http: "127.0.0.1:${this.monitorPort}"`,
      `jetstream { store_dir: ${JSON.stringify(this.storeDir)} }`,
      'include "server.conf"',
      '',
    ].join('\n'));
    return ['-c', conf];
  }

  /** (Re)starts the process on the same port and store; waits until a client can connect. */
  async start(): Promise<void> {
    const fd = openSync(this.logFile, 'a');
    this.child = spawn(path.join(this.testbed.binDir, 'nats-server'), this.args(), { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    await eventually(`nats-server ${this.name} on ${this.url} (log: ${this.logFile})`, async () => {
      if (this.child?.exitCode !== null) throw new Error(`exited with ${this.child?.exitCode}`);
      const auth = this.operator ? { authenticator: credsAuthenticator(new Uint8Array(readFileSync(path.join(this.operator.dir, 'hub.creds')))) } : {};
      const nc = await connect({ servers: this.url, reconnect: false, ...auth });
      await nc.close();
    }, 20_000, 100);
  }

  /** Stops the process (SIGTERM, SIGKILL after 5 s); JetStream data stays in the store. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops the server and deletes its store. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
