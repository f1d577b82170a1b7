import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { eventually } from './eventually.js';
import { freePort } from './processes.js';
import type { Testbed } from './testbed.js';

/**
 * A suite's own nats-server with JetStream (the test bed's binary, a free loopback port, a store
 * folder of its own), so suites never share or reset another run's JetStream state. It can be
 * stopped and started again on the same port and store, like a server restart.
 */
export class NatsServer {
  private child: ChildProcess | undefined;

  private constructor(
    private readonly testbed: Testbed,
    readonly name: string,
    readonly port: number,
    private readonly storeDir: string,
    private readonly logFile: string,
  ) {}

  /** URL clients connect to. */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Starts a new server and waits until it accepts connections. */
  static async start(testbed: Testbed, name: string): Promise<NatsServer> {
    const logDir = path.join(testbed.stateDir, 'logs', 'e2e');
    mkdirSync(logDir, { recursive: true });
    const server = new NatsServer(testbed, name, await freePort(), mkdtempSync(path.join(tmpdir(), `gitfleet-nats-${name}-`)), path.join(logDir, `${name}-nats.log`));
    await server.start();
    return server;
  }

  /** (Re)starts the process on the same port and store; waits until a client can connect. */
  async start(): Promise<void> {
    const fd = openSync(this.logFile, 'a');
    this.child = spawn(path.join(this.testbed.binDir, 'nats-server'), ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.storeDir, '-n', this.name], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    await eventually(`nats-server ${this.name} on ${this.url} (log: ${this.logFile})`, async () => {
      if (this.child?.exitCode !== null) throw new Error(`exited with ${this.child?.exitCode}`);
      const nc = await connect({ servers: this.url, reconnect: false });
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
