import path from 'node:path';
import { NatsServer, type OperatorMode } from '@gitfleet/testing';
import type { Testbed } from './testbed.js';

/**
 * Starts a suite's own nats-server (`NatsServer` of `@gitfleet/testing`: the test bed's binary,
 * a free loopback port, a store of its own) with its log in `<state>/logs/e2e/<name>-nats.log`.
 * With an `OperatorMode` it runs with JWT authentication and a monitoring port (connz).
 * @throws Error naming the log file when the server does not accept a client within 20 s.
 */
export function startNatsServer(testbed: Testbed, name: string, operator?: OperatorMode): Promise<NatsServer> {
  return NatsServer.start(testbed.binDir, { name, logDir: path.join(testbed.stateDir, 'logs', 'e2e'), ...(operator ? { operator } : {}) });
}
