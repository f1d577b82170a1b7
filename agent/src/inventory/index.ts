/** Inventory: which objects the agent owns per target (pure set arithmetic, ownership checks + ConfigMap storage). */
export * from './diff.js';
export * from './document.js';
export * from './ownership.js';
export * from './store.js';
