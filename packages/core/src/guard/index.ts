/**
 * `@fedtrust/core` guard: the inbound pipeline every federation request passes, and its
 * explanation for operators.
 *
 * @module @fedtrust/core/guard
 */
export { COMPILED_SCOPE_CACHE_LIMIT } from './compiled-scope-cache.js';
export * from './explain-decision.js';
export * from './guard.js';
export * from './types.js';
