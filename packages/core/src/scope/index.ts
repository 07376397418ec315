/**
 * `@fedtrust/core` scope: the host's resource catalogue, the scope schema, and the
 * precompiled evaluator the guard runs on every request.
 *
 * @module @fedtrust/core/scope
 */
export * from './compile-scope.js';
export * from './define-resources.js';
export * from './evaluate.js';
export * from './parse-scope.js';
export * from './scope-error.js';
export * from './scope-schema.js';
export * from './types.js';
