/**
 * Utilities every agent folder may import (the bottom layer of .dependency-cruiser.cjs): backoff
 * delays for loops that own their timers, plain retry (p-retry) and bounded concurrency (p-limit).
 */
export * from './backoff.js';
export * from './pool.js';
export * from './retry.js';
