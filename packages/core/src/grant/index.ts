/**
 * Grant and peer lifecycles: explicit transition tables and one operation per file, each
 * a conditional store update so racing operators never both move a record.
 *
 * @module @fedtrust/core/grant
 */
export * from './activate-grant.js';
export * from './activate-peer.js';
export * from './create-grant.js';
export * from './deps.js';
export * from './effective-grant-status.js';
export * from './errors.js';
export * from './resume-peer.js';
export * from './revoke-certificates.js';
export * from './revoke-grant.js';
export * from './revoke-peer.js';
export * from './suspend-peer.js';
export * from './transitions.js';
export * from './types.js';
