export * from './admission-error.js';
export * from './admit-provider.js';
export * from './connect-provider.js';
export * from './pre-flip-audit.js';
export * from './types.js';
