/**
 * Test helpers shared by `hub/test`, `agent/test` and `e2e`: each piece here existed two or three
 * times before (issue #10). Tests only: the eslint module boundaries refuse an import of
 * `@gitfleet/testing` from hub or agent source. Imports `@gitfleet/proto` at most, never hub or agent.
 */
export * from './eventually.js';
export * from './free-port.js';
export * from './testbed-env.js';
export * from './nats-server.js';
export * from './git-repo.js';
export * from './gpg.js';
export * from './database.js';
