/**
 * Trust tiers, tier gates and route declarations.
 *
 * @module @fedtrust/core/tier
 */

/**
 * A tenant as the host's own store holds it. `tier` is the only field a tier gate reads;
 * anything else the record carries (a role, a plan) is ignored.
 */
export interface TenantTierRecord {
  id: string;
  tier: string;
}

/** The host port a tier gate reads tenants through: its own database, never the request. */
export interface TenantTierSource {
  /** The tenant's server-side record, or `null` when unknown. May reject; the gate then denies. */
  getTenant(tenantId: string): Promise<TenantTierRecord | null>;
}

/** Why a tier gate denied. */
export type TierDenyReason =
  /** The tenant's tier ranks below the route's minimum. */
  | 'tier_insufficient'
  /** No tenant record under that id. */
  | 'tenant_unknown'
  /** The record's tier is not one of the host's tiers (or the record is malformed). */
  | 'tier_unknown'
  /** Reading the tenant failed; denied to stay safe. */
  | 'tier_check_failed';

export type TierDecision<T extends string> =
  | { allow: true; tier: T }
  | { allow: false; reason: TierDenyReason; required: T; actual: string | null };

/** Anything a route can be gated by. Hosts may declare their own kinds next to `tier`. */
export interface RouteGate {
  readonly kind: string;
}

/** A gate that admits tenants whose server-side tier ranks at least `min`. */
export interface TierGate<T extends string> extends RouteGate {
  readonly kind: 'tier';
  readonly min: T;
  /**
   * Decides for the authenticated tenant id by reading its record from `tenants`. The
   * request itself is not a parameter, so no client-supplied tier or role can reach it.
   * Never rejects: unknown tenants, unknown tiers and read errors deny.
   */
  decide(tenantId: string, tenants: TenantTierSource): Promise<TierDecision<T>>;
}

/** The host's ordered tiers, lowest first. */
export interface TierLadder<T extends string> {
  readonly tiers: readonly T[];
  /** 0-based rank of a tier; higher is more trusted. */
  rank(tier: T): number;
  /** Whether `value` is one of these tiers. */
  isTier(value: unknown): value is T;
  /** A gate for routes that need at least `min`. Throws `tier_unknown` for a tier not on the ladder. */
  requireTier(min: T): TierGate<T>;
}

/** One route of a host's table: gated, or explicitly public. Default deny means nothing else passes. */
export interface RouteDeclaration {
  /** How the route is shown in errors, e.g. `POST /tenants/:id/agents`. */
  name: string;
  gate?: RouteGate;
  /** Must be exactly `true` to mark a route that needs no gate. */
  public?: boolean;
}

/** Why a route failed the completeness check. */
export type RouteProblem =
  /** Neither a gate nor `public: true`. */
  | 'ungated'
  /** Both a gate and `public: true`: which one was meant cannot be told. */
  | 'gated_and_public'
  /** A later declaration of a name already declared: which one the router serves cannot be told. */
  | 'duplicate';
