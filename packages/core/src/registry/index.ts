export * from './routing-eligible.js';
export * from './session-registry.js';
export * from './types.js';
