/**
 * Port interfaces that adapters and hosts implement.
 *
 * @module @fedtrust/core/ports
 */
export * from './ca.js';
export * from './host.js';
export * from './runtime.js';
export * from './sealer.js';
export * from './store.js';
