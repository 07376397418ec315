/**
 * Typed errors and deny reasons.
 *
 * @module @fedtrust/core/errors
 */
export * from './ca-error.js';
export * from './deny-reasons.js';
export * from './fedtrust-error.js';
