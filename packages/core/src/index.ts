/**
 * `@fedtrust/core`: the pure rules of the fedtrust federation trust layer.
 *
 * No network, filesystem, environment or timers: time and randomness come in through the
 * `Clock` and `Random` ports, effects live in adapters.
 *
 * @module @fedtrust/core
 */
export * from './admission/index.js';
export * from './audit/index.js';
export * from './enrollment/index.js';
export * from './errors/index.js';
export * from './grant/index.js';
export * from './guard/index.js';
export * from './migrations/index.js';
export * from './oid/index.js';
export * from './ports/index.js';
export * from './registry/index.js';
export * from './scope/index.js';
export * from './seal/index.js';
export * from './tier/index.js';
