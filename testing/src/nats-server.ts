import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import { eventually } from './eventually.js';
import { freePort } from './free-port.js';

/**
 * NATS operator (JWT) mode: a directory as `gitfleet-hub nats-bootstrap` (the hub's
 * `bootstrapOperator`) writes it: its `server.conf` fragment is included in the server's config,
 * its `hub.creds` is used to probe readiness.
 */
export interface OperatorMode {
  /** the bootstrap output directory (holds server.conf and hub.creds) */
  dir: string;
}

/** Options of `NatsServer.start`. */
export interface NatsServerOptions {
  /** server name (`-n`) and part of the store and log names; default `test` */
  name?: string;
  /** folder for the log file `<name>-nats.log` (appended to on each start); default: stderr kept in memory for errors */
  logDir?: string;
  /** JWT authentication and a monitoring port (connz) */
  operator?: OperatorMode;
  /** how long `start()` waits for a client to connect, milliseconds (default 20,000) */
  startTimeoutMs?: number;
}

/**
 * A private nats-server with JetStream (the test bed's binary, a free loopback port, a store
 * folder of its own in the temp dir), so a test never shares or resets another run's JetStream
 * state or the running hub's fixed resource names. It can be stopped and started again on the
 * same port and store, like a server restart.
 */
export class NatsServer {
  private child: ChildProcess | undefined;
  private stderr = '';

  private constructor(
    private readonly binary: string,
    readonly name: string,
    readonly port: number,
    /** the JetStream store folder */
    readonly storeDir: string,
    /** the server's log file, when logging to a file */
    readonly logFile: string | undefined,
    private readonly startTimeoutMs: number,
    /** operator mode, when on */
    readonly operator?: OperatorMode,
    /** monitoring port (operator mode only) */
    readonly monitorPort?: number,
  ) {}

  /** URL clients connect to: `nats://127.0.0.1:<port>`. */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /**
   * Starts a new server from `<binDir>/nats-server` and waits until a client can connect.
   * @throws Error when the binary is missing, or naming the URL and the server's log when it
   *   does not accept a client in time or exits.
   */
  static async start(binDir: string, options: NatsServerOptions = {}): Promise<NatsServer> {
    const binary = path.join(binDir, 'nats-server');
    if (!existsSync(binary)) throw new Error(`no nats-server in ${binDir}: the test bed's binary is needed (npm run testbed:up)`);
    const name = options.name ?? 'test';
    let logFile: string | undefined;
    if (options.logDir) {
      mkdirSync(options.logDir, { recursive: true });
      logFile = path.join(options.logDir, `${name}-nats.log`);
    }
    const server = new NatsServer(
      binary, name, await freePort(), mkdtempSync(path.join(tmpdir(), `gitfleet-nats-${name}-`)), logFile, options.startTimeoutMs ?? 20_000,
      options.operator, options.operator ? await freePort() : undefined,
    );
    try {
      await server.start();
    } catch (err) {
      await server.dispose();
      throw err;
    }
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
      // nats-server resolves include paths relative to the including file
      'include "server.conf"',
      '',
    ].join('\n'));
    return ['-c', conf];
  }

  /** (Re)starts the process on the same port and store; waits until a client can connect. */
  async start(): Promise<void> {
    if (this.logFile) {
      const fd = openSync(this.logFile, 'a');
      this.child = spawn(this.binary, this.args(), { stdio: ['ignore', fd, fd] });
      closeSync(fd);
    } else {
      this.stderr = '';
      this.child = spawn(this.binary, this.args(), { stdio: ['ignore', 'ignore', 'pipe'] });
      this.child.stderr?.on('data', (b: Buffer) => { this.stderr = (this.stderr + b.toString()).slice(-4000); });
    }
    const where = this.logFile ? `log: ${this.logFile}` : 'stderr below';
    try {
      await eventually(`nats-server ${this.name} on ${this.url} (${where})`, async () => {
        if (this.child?.exitCode !== null) throw new Error(`exited with ${this.child?.exitCode}`);
        const auth = this.operator ? { authenticator: credsAuthenticator(new Uint8Array(readFileSync(path.join(this.operator.dir, 'hub.creds')))) } : {};
        const nc = await connect({ servers: this.url, reconnect: false, timeout: 500, ...auth });
        await nc.close();
      }, this.startTimeoutMs, 50);
    } catch (err) {
      await this.stop();
      if (this.logFile) throw err;
      throw new Error(`${(err as Error).message}\n${this.stderr}`, { cause: err });
    }
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

  /** Stops and starts the server again (same port and store). */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Stops the server and deletes its store. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
