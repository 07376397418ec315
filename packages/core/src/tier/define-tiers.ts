/**
 * Host-defined ordered trust tiers.
 *
 * @module @fedtrust/core/tier
 */
import { requireTier } from './require-tier.js';
import { TierConfigError } from './tier-errors.js';
import type { TierLadder } from './types.js';

/**
 * Declares the host's tiers, lowest first, e.g. `defineTiers(['agent_rooted', 'human_anchored'])`.
 * Throws `tiers_invalid` for an empty list, an empty name or a repeated name.
 *
 * @example
 * const tiers = defineTiers(['agent_rooted', 'human_anchored'] as const);
 * const humansOnly = tiers.requireTier('human_anchored');
 */
export function defineTiers<const T extends string>(tiers: readonly T[]): TierLadder<T> {
  if (!Array.isArray(tiers) || tiers.length === 0) {
    throw new TierConfigError('tiers_invalid', 'At least one tier is needed.');
  }
  const ranks = new Map<string, number>();
  tiers.forEach((tier, index) => {
    if (typeof tier !== 'string' || tier.length === 0) {
      throw new TierConfigError('tiers_invalid', `Tier ${index} is not a non-empty string.`, { index });
    }
    if (ranks.has(tier))
      throw new TierConfigError('tiers_invalid', `Tier "${tier}" is listed twice.`, { tier });
    ranks.set(tier, index);
  });
  const frozen = Object.freeze([...tiers]);
  const ladder: TierLadder<T> = {
    tiers: frozen,
    rank: (tier) => ranks.get(tier) ?? -1,
    isTier: (value): value is T => typeof value === 'string' && ranks.has(value),
    requireTier: (min) => requireTier(ladder, min),
  };
  return Object.freeze(ladder);
}
