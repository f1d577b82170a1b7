/** Inventory: which objects the agent owns per target (pure set arithmetic + ConfigMap storage). */
export * from './diff.js';
export * from './document.js';
export * from './store.js';
