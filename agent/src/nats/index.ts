/** NATS side of the agent: connection, desired-state watch, verified bundle fetch, status + heartbeat. */
export * from './bundle-fetcher.js';
export * from './connection.js';
export * from './desired-watcher.js';
export * from './diff-responder.js';
export * from './status-publisher.js';
