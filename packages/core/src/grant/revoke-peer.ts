/**
 * Peer revocation (final).
 *
 * @module @fedtrust/core/grant
 */
import type { LifecycleDeps } from './deps.js';
import { movePeer } from './move.js';
import { PEER_OPERATIONS } from './transitions.js';
import type { Peer } from './types.js';

/**
 * Revokes a pending, active or suspended peer; final. The guard denies `peer_revoked`
 * from the next request on. Revoking twice gives `illegal_transition`.
 */
export async function revokePeer(id: string, deps: LifecycleDeps): Promise<Peer> {
  return movePeer(deps.store, id, PEER_OPERATIONS.revoke, deps.clock.now());
}
