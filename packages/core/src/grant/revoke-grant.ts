/**
 * Grant revocation (final).
 *
 * @module @fedtrust/core/grant
 */
import type { LifecycleDeps } from './deps.js';
import { moveGrant } from './move.js';
import { GRANT_OPERATIONS } from './transitions.js';
import type { Grant } from './types.js';

/**
 * Revokes a pending or active grant (also one past its expiry: revocation is final and
 * records the operator's act). The guard denies `grant_revoked` from the next request on.
 * Revoking twice gives `illegal_transition`; of racing revocations exactly one succeeds.
 */
export async function revokeGrant(id: string, deps: LifecycleDeps): Promise<Grant> {
  return moveGrant(deps.store, id, GRANT_OPERATIONS.revoke, deps.clock.now());
}
