/**
 * Peer suspension (`active → suspended`).
 *
 * @module @fedtrust/core/grant
 */
import type { LifecycleDeps } from './deps.js';
import { movePeer } from './move.js';
import { PEER_OPERATIONS } from './transitions.js';
import type { Peer } from './types.js';

/**
 * Suspends an active peer (`active → suspended`); the guard denies `peer_suspended` from
 * the next request on, including on connections already open. Only an active peer can be
 * suspended; anything else is `illegal_transition`, an unknown id `peer_not_found`.
 */
export async function suspendPeer(id: string, deps: LifecycleDeps): Promise<Peer> {
  return movePeer(deps.store, id, PEER_OPERATIONS.suspend, deps.clock.now());
}
