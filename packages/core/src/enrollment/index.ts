/**
 * Single-use enrollment tokens: issued for a pending grant's own peer, stored only as a
 * SHA-256 hash, redeemed exactly once.
 *
 * @module @fedtrust/core/enrollment
 */
export * from './enroll-peer.js';
export * from './enroll-peer-error.js';
export * from './errors.js';
export * from './hash-token.js';
export * from './issue-enrollment-token.js';
export * from './read-csr.js';
export * from './redeem-enrollment-token.js';
export * from './retry-compensations.js';
export * from './token-prefix.js';
export * from './types.js';
