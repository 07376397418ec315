/**
 * The grant and peer lifecycles as explicit transition tables. Every operation derives
 * the states it may leave from these tables, so the table is the single source of truth.
 *
 * @module @fedtrust/core/grant
 */
import type { PeerStatus, StoredGrantStatus } from './types.js';

/** Grant: `pending → active → revoked`, and a pending grant may be revoked before it is used. */
export const GRANT_TRANSITIONS: Readonly<Record<StoredGrantStatus, readonly StoredGrantStatus[]>> =
  Object.freeze({
    pending: Object.freeze(['active', 'revoked'] as const),
    active: Object.freeze(['revoked'] as const),
    revoked: Object.freeze([] as const),
  });

/** Peer: `pending → active ⇄ suspended → revoked`; revocation is reachable from every live state. */
export const PEER_TRANSITIONS: Readonly<Record<PeerStatus, readonly PeerStatus[]>> = Object.freeze({
  pending: Object.freeze(['active', 'revoked'] as const),
  active: Object.freeze(['suspended', 'revoked'] as const),
  suspended: Object.freeze(['active', 'revoked'] as const),
  revoked: Object.freeze([] as const),
});

/** Whether the grant table allows `from → to`. */
export function canTransitionGrant(from: StoredGrantStatus, to: StoredGrantStatus): boolean {
  return GRANT_TRANSITIONS[from].includes(to);
}

/** Whether the peer table allows `from → to`. */
export function canTransitionPeer(from: PeerStatus, to: PeerStatus): boolean {
  return PEER_TRANSITIONS[from].includes(to);
}

/** Every grant status the table allows to move to `to`: the `from` set of a conditional store update. */
export function grantSourcesOf(to: StoredGrantStatus): StoredGrantStatus[] {
  return (Object.keys(GRANT_TRANSITIONS) as StoredGrantStatus[]).filter((from) =>
    canTransitionGrant(from, to),
  );
}

/** Every peer status the table allows to move to `to`: the `from` set of a conditional store update. */
export function peerSourcesOf(to: PeerStatus): PeerStatus[] {
  return (Object.keys(PEER_TRANSITIONS) as PeerStatus[]).filter((from) => canTransitionPeer(from, to));
}

/** A named lifecycle operation: one edge (or fan-in of edges) of a transition table. */
export interface LifecycleOperation<S extends string> {
  readonly from: readonly S[];
  readonly to: S;
}

/**
 * Grant operations. Each `from` set is exactly what the conditional store update accepts;
 * `transitions.test.ts` proves every edge is in {@link GRANT_TRANSITIONS} and every table
 * edge has an operation.
 */
export const GRANT_OPERATIONS = Object.freeze({
  activate: { from: grantSourcesOf('active'), to: 'active' },
  revoke: { from: grantSourcesOf('revoked'), to: 'revoked' },
} satisfies Record<string, LifecycleOperation<StoredGrantStatus>>);

/**
 * Peer operations. `activate` and `resume` both end in `active` but leave different states,
 * so their `from` sets are named here rather than derived from the target alone.
 */
export const PEER_OPERATIONS = Object.freeze({
  activate: { from: ['pending'], to: 'active' },
  suspend: { from: ['active'], to: 'suspended' },
  resume: { from: ['suspended'], to: 'active' },
  revoke: { from: peerSourcesOf('revoked'), to: 'revoked' },
} satisfies Record<string, LifecycleOperation<PeerStatus>>);
