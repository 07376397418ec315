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
 * 3. Return the peer — and the grant, if the saga's last step committed although its answer
 *    and the read-back were lost — to `pending`. Outside the forward transition tables on
 *    purpose, as the undo of the saga's own `pending → active`, and only in the state only a
 *    failed saga leaves behind: the peer `active` and no unrevoked certificate bound to the
 *    peer (a successful enrollment always leaves its own certificate bound). A concurrent
 *    enrollment that already bound its certificate is never touched; both updates are
 *    conditional on `active`. Without this the grant would stay active with no usable
 *    certificate, and neither grant nor peer could be issued a new enrollment token.
 *    Undoing an activation leaves its `activatedAt` stamp (the store has no way to clear it);
 *    a later enrollment stamps it again.
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
  if (grant === null || peer?.status !== 'active' || live) return;
  // Grant first: while the peer is still active no other enrollment can reach the grant step.
  if (grant.status === 'active') await deps.store.transitionGrant(target.grantId, ['active'], 'pending', now);
  await deps.store.transitionPeer(target.peerId, ['active'], 'pending', now);
}
