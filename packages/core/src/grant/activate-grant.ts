/**
 * Grant activation (`pending → active`).
 *
 * @module @fedtrust/core/grant
 */
import type { LifecycleDeps } from './deps.js';
import { effectiveGrantStatus } from './effective-grant-status.js';
import { TransitionError } from './errors.js';
import { moveGrant } from './move.js';
import { GRANT_OPERATIONS } from './transitions.js';
import type { Grant } from './types.js';

/**
 * Activates a pending grant (`pending → active`). Refuses an unknown grant
 * (`grant_not_found`), any other stored state and a grant already past `expiresAt`
 * (`illegal_transition`). The move is one conditional store update: of racing
 * activations exactly one succeeds, the others get `illegal_transition`.
 */
export async function activateGrant(id: string, deps: LifecycleDeps): Promise<Grant> {
  const now = deps.clock.now();
  const current = await deps.store.getGrant(id);
  // Expiry only moves forward in time, so this read cannot go stale in the grant's favour.
  if (current !== null && effectiveGrantStatus(current, now) === 'expired') {
    throw new TransitionError('grant', id, 'expired', 'active');
  }
  return moveGrant(deps.store, id, GRANT_OPERATIONS.activate, now);
}
