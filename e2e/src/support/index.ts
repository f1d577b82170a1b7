/**
 * Test support for the end-to-end suites and benchmarks: reads the test bed, starts the hub and
 * agents as child processes, pushes commits with the git CLI, and checks clusters with kubectl.
 * It drives gitfleet from the outside only (HTTP API, NATS, git, kubectl), never from its source.
 * The helpers shared with the hub's and agent's tests (eventually, freePort, GitRepo, NatsServer,
 * gpg keys, databases, the test bed's env file) come from `@gitfleet/testing`.
 */
export * from './exec.js';
export * from './testbed.js';
export * from './kubectl.js';
export * from './hub-api.js';
export * from './processes.js';
export * from './fleet.js';
export * from './nats-store.js';
export * from './kube-http.js';
export * from './nats-server.js';
export * from './signing-keys.js';
export * from './secret-scan.js';
export * from './git-auth-proxy.js';
export * from './rollout-app.js';
