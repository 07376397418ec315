/**
 * Peer revocation (final).
 *
 * @module @fedtrust/core/grant
 */
import { silentLogger } from '../ports/runtime.js';
import type { RevocationDeps } from './deps.js';
import { movePeer } from './move.js';
import { type CertificateRevocations, revokePeerCertificates } from './revoke-certificates.js';
import { PEER_OPERATIONS } from './transitions.js';
import type { Peer } from './types.js';

/** A revoked peer and what became of its certificates. */
export interface PeerRevocation {
  peer: Peer;
  /** `null` when no CA was given: the certificates were left as they were. */
  certificates: CertificateRevocations | null;
}

/**
 * Revokes a pending, active or suspended peer; final. The guard denies `peer_revoked`
 * from the next request on. Revoking twice gives `illegal_transition`.
 *
 * With `deps.ca`, every unrevoked certificate bound to the peer is then revoked at the CA
 * (see `revokePeerCertificates`): a CA failure never undoes the revocation, it leaves a
 * `PendingCompensation` for `retryCompensations` and is listed under `certificates.pending`.
 */
export async function revokePeer(id: string, deps: RevocationDeps): Promise<PeerRevocation> {
  const peer = await movePeer(deps.store, id, PEER_OPERATIONS.revoke, deps.clock.now());
  if (deps.ca === undefined) return { peer, certificates: null };
  const certificates = await revokePeerCertificates(
    { peerId: peer.id, cause: `peer ${peer.id} revoked` },
    {
      store: deps.store,
      ca: deps.ca,
      clock: deps.clock,
      random: deps.random,
      logger: deps.logger ?? silentLogger,
    },
  );
  return { peer, certificates };
}
