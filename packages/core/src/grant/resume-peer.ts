/**
 * Peer resumption (`suspended → active`).
 *
 * @module @fedtrust/core/grant
 */
import type { LifecycleDeps } from './deps.js';
import { movePeer } from './move.js';
import { PEER_OPERATIONS } from './transitions.js';
import type { Peer } from './types.js';

/**
 * Resumes a suspended peer (`suspended → active`). Only a suspended peer can be resumed;
 * a revoked peer stays revoked (`illegal_transition`), an unknown id is `peer_not_found`.
 */
export async function resumePeer(id: string, deps: LifecycleDeps): Promise<Peer> {
  return movePeer(deps.store, id, PEER_OPERATIONS.resume, deps.clock.now());
}
