/**
 * Live provider sessions: `SessionRegistry` with its eviction rules and `routingEligible`,
 * the one predicate for routing, capacity and billing.
 *
 * @module @fedtrust/core/registry
 */
export * from './routing-eligible.js';
export * from './session-registry.js';
export * from './types.js';
