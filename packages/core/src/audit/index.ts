/**
 * The audit chain: event schema, RFC 8785 canonical encoding, SHA-256 hash chain and
 * `verifyChain`.
 *
 * @module @fedtrust/core/audit
 */
export * from './audit-event-schema.js';
export * from './build-chain.js';
export * from './chain-hash.js';
export * from './types.js';
export * from './verify-chain.js';
