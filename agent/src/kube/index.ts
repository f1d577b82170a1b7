/** Kubernetes I/O of the agent: raw-JSON client with discovery, server-side apply, prune, error classes. */
export * from './apply.js';
export * from './client.js';
export * from './errors.js';
export * from './ownership.js';
export * from './types.js';
export * from './watch.js';
