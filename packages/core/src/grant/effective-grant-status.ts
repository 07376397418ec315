/**
 * A grant's status at a given time (`expired` is derived, never stored).
 *
 * @module @fedtrust/core/grant
 */
import type { Grant, GrantStatus } from './types.js';

/**
 * The grant's status at `now`: `revoked` wins over everything (an operator's explicit act),
 * then `expired` once `now >= expiresAt` (the expiry instant itself is already expired),
 * otherwise the stored status. `expired` is never stored.
 */
export function effectiveGrantStatus(grant: Pick<Grant, 'status' | 'expiresAt'>, now: Date): GrantStatus {
  if (grant.status === 'revoked') return 'revoked';
  if (grant.expiresAt !== null && now.getTime() >= grant.expiresAt.getTime()) return 'expired';
  return grant.status;
}
