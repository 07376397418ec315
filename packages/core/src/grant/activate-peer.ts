/**
 * Peer activation (`pending → active`).
 *
 * @module @fedtrust/core/grant
 */
import type { LifecycleDeps } from './deps.js';
import { movePeer } from './move.js';
import { PEER_OPERATIONS } from './transitions.js';
import type { Peer } from './types.js';

/**
 * Activates a pending peer (`pending → active`), as the enrollment saga does once its
 * certificate is bound. Exactly one of racing activations succeeds; the rest and any
 * other starting state get `illegal_transition`, an unknown id `peer_not_found`.
 */
export async function activatePeer(id: string, deps: LifecycleDeps): Promise<Peer> {
  return movePeer(deps.store, id, PEER_OPERATIONS.activate, deps.clock.now());
}
