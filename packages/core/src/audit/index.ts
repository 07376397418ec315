export * from './chain-hash.js';
export * from './types.js';
