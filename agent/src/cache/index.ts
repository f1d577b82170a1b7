/**
 * Cache: what lets an agent enforce its last verified desired state while NATS is down — the
 * per-target state records (state-store.ts), the caching bundle source (state-cache.ts) and the
 * status sink that buffers until NATS is connected (deferred-sink.ts).
 */
export * from './deferred-sink.js';
export * from './state-cache.js';
export * from './state-store.js';
