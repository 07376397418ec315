/**
 * The compensation of a failed enrollment, shared by `enrollPeer` (first attempt) and
 * `retryCompensations` (later attempts).
 *
 * @module @fedtrust/core/enrollment
 */
import type { CertificateAuthority } from '../ports/ca.js';
import type { Clock } from '../ports/runtime.js';
import type { FederationStore } from '../ports/store.js';

/** What a compensation undoes: the certificate `serial` issued for `grantId`'s peer `peerId`. */
export interface CompensationTarget {
  serial: string;
  grantId: string;
  peerId: string;
  reason: string;
}

export interface CompensationDeps {
  store: FederationStore;
  ca: CertificateAuthority;
  clock: Clock;
}

/**
 * Undoes an enrollment after issuance. Every step is idempotent, so a retry simply runs
 * them all again; the first failure rejects and leaves the later steps for the retry.
 *
 * 1. Revoke the certificate at the CA (CAs treat a second revocation as done).
 * 2. Mark its binding revoked, if it was bound.
 * 3. Return the peer to `pending` — outside the forward transition table on purpose, as the
 *    undo of the saga's own `pending → active` — but only in the state only a failed saga
 *    leaves behind: the peer `active`, its grant not `active`, and no unrevoked certificate
 *    bound to the peer. A concurrent enrollment that already bound its own certificate, or
 *    a peer whose grant did activate, is never touched. Without this, the peer could never
 *    be issued a new enrollment token.
 */
export async function compensateEnrollment(
  target: CompensationTarget,
  deps: CompensationDeps,
): Promise<void> {
  await deps.ca.revoke({ serial: target.serial, reason: target.reason });
  const now = deps.clock.now();
  await deps.store.markCertificateRevoked(target.serial, now);

  const [grant, peer, bindings] = await Promise.all([
    deps.store.getGrant(target.grantId),
    deps.store.getPeer(target.peerId),
    deps.store.listCertificateBindings({ peerId: target.peerId }),
  ]);
  const live = bindings.some((b) => b.revokedAt === null);
  if (grant !== null && grant.status !== 'active' && peer?.status === 'active' && !live) {
    await deps.store.transitionPeer(target.peerId, ['active'], 'pending', now);
  }
}
