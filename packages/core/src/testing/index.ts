/**
 * `@fedtrust/core/testing`: the conformance suites every adapter runs, the in-memory
 * reference store, and fast-check arbitraries.
 *
 * @module @fedtrust/core/testing
 */
export * from './arbitraries.js';
export * from './ca-conformance.js';
export * from './conformance/run-store-conformance.js';
export * from './conformance/section.js';
export * from './conformance/types.js';
export * from './memory/manual-clock.js';
export * from './memory-store.js';
