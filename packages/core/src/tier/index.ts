/**
 * Trust tiers: ordered tiers, `requireTier` gates read from the server-side tenant record,
 * and `checkRouteTable` (default deny over every route).
 *
 * @module @fedtrust/core/tier
 */
export * from './check-route-table.js';
export * from './define-tiers.js';
export * from './require-tier.js';
export * from './tier-errors.js';
export * from './types.js';
