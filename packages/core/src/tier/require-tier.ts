/**
 * Tier gates: the capability check keyed on a tenant's server-side trust tier.
 *
 * @module @fedtrust/core/tier
 */
import { TierConfigError } from './tier-errors.js';
import type { TenantTierSource, TierDecision, TierGate, TierLadder } from './types.js';

/**
 * A gate that allows a tenant only when the tier on its server-side record ranks at least
 * `min` on `ladder`. The tier is the only input: a role never substitutes for it, and the
 * gate reads the record itself, so nothing from the request can raise trust. Fails closed:
 * unknown tenant, a missing or empty tenant id, unknown tier, a record for another tenant
 * or a read error all deny.
 * Throws `tier_unknown` at definition time when `min` is not on the ladder.
 */
export function requireTier<T extends string>(ladder: TierLadder<T>, min: T): TierGate<T> {
  if (!ladder.isTier(min)) {
    throw new TierConfigError(
      'tier_unknown',
      `Tier "${String(min)}" is not one of ${ladder.tiers.join(', ')}.`,
      {
        tier: min,
      },
    );
  }
  const required = ladder.rank(min);
  const deny = (reason: Exclude<TierDecision<T>, { allow: true }>['reason'], actual: string | null) =>
    ({ allow: false, reason, required: min, actual }) as const;

  return Object.freeze({
    kind: 'tier' as const,
    min,
    async decide(tenantId: string, tenants: TenantTierSource): Promise<TierDecision<T>> {
      // No authenticated tenant id, nothing to look up: a loosely keyed source must not answer for it.
      if (typeof tenantId !== 'string' || tenantId.length === 0) return deny('tenant_unknown', null);
      let record: unknown;
      try {
        record = await tenants.getTenant(tenantId);
      } catch {
        return deny('tier_check_failed', null);
      }
      if (record === null || record === undefined) return deny('tenant_unknown', null);
      const { id, tier } = record as { id?: unknown; tier?: unknown };
      if (id !== tenantId) return deny('tenant_unknown', null);
      if (!ladder.isTier(tier)) return deny('tier_unknown', typeof tier === 'string' ? tier : null);
      return ladder.rank(tier) >= required ? { allow: true, tier } : deny('tier_insufficient', tier);
    },
  });
}
