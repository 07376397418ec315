export * from './check-route-table.js';
export * from './define-tiers.js';
export * from './require-tier.js';
export * from './tier-errors.js';
export * from './types.js';
