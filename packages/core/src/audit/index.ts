export * from './audit-event-schema.js';
export * from './build-chain.js';
export * from './chain-hash.js';
export * from './types.js';
export * from './verify-chain.js';
