/**
 * The one way lifecycle operations change a record: a conditional store update whose
 * `from` set is the operation's row of the transition table. A `null` answer is then
 * explained by a fresh read, so a stale view or a lost race surfaces as a typed error,
 * never a silent no-op.
 *
 * @module @fedtrust/core/grant
 */
import type { FederationStore } from '../ports/store.js';
import { GrantNotFoundError, PeerNotFoundError, TransitionError } from './errors.js';
import type { LifecycleOperation } from './transitions.js';
import type { Grant, Peer, PeerStatus, StoredGrantStatus } from './types.js';

/** Applies a grant operation atomically or throws `grant_not_found` / `illegal_transition`. */
export async function moveGrant(
  store: Pick<FederationStore, 'transitionGrant' | 'getGrant'>,
  id: string,
  operation: LifecycleOperation<StoredGrantStatus>,
  at: Date,
): Promise<Grant> {
  const moved = await store.transitionGrant(id, operation.from, operation.to, at);
  if (moved !== null) return moved;
  const current = await store.getGrant(id);
  if (current === null) throw new GrantNotFoundError(id);
  throw new TransitionError('grant', id, current.status, operation.to, {
    concurrent: operation.from.includes(current.status),
  });
}

/** Applies a peer operation atomically or throws `peer_not_found` / `illegal_transition`. */
export async function movePeer(
  store: Pick<FederationStore, 'transitionPeer' | 'getPeer'>,
  id: string,
  operation: LifecycleOperation<PeerStatus>,
  at: Date,
): Promise<Peer> {
  const moved = await store.transitionPeer(id, operation.from, operation.to, at);
  if (moved !== null) return moved;
  const current = await store.getPeer(id);
  if (current === null) throw new PeerNotFoundError(id);
  throw new TransitionError('peer', id, current.status, operation.to, {
    concurrent: operation.from.includes(current.status),
  });
}
