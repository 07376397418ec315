/**
 * The one predicate for routing, capacity and billing.
 *
 * @module @fedtrust/core/registry
 */
import type { ProviderSession } from './types.js';

/**
 * True only for a `bearer_validated` or `self_minted` session with a free slot
 * (`inFlight < capacity`). Fails closed on anything else: `bearerless_duplicate`,
 * `mint_failed`, an empty or unknown auth state, a missing session, or counts that are
 * not whole non-negative numbers. Routing, capacity and billing ask this and nothing else.
 */
export function routingEligible(session: ProviderSession | null | undefined): boolean {
  if (typeof session !== 'object' || session === null) return false;
  const { authState, capacity, inFlight } = session as {
    authState: unknown;
    capacity: unknown;
    inFlight: unknown;
  };
  if (authState !== 'bearer_validated' && authState !== 'self_minted') return false;
  if (!Number.isSafeInteger(capacity) || !Number.isSafeInteger(inFlight)) return false;
  return (inFlight as number) >= 0 && (inFlight as number) < (capacity as number);
}

/**
 * Whether the session's auth state makes it routable at all, whatever its load. Eviction
 * protects on this, not on momentary free slots, so a busy provider is never displaced.
 */
export function routableAuthState(authState: unknown): boolean {
  return authState === 'bearer_validated' || authState === 'self_minted';
}
