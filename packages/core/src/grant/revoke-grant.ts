/**
 * Grant revocation (final).
 *
 * @module @fedtrust/core/grant
 */
import { silentLogger } from '../ports/runtime.js';
import type { RevocationDeps } from './deps.js';
import { moveGrant } from './move.js';
import { type CertificateRevocations, revokePeerCertificates } from './revoke-certificates.js';
import { GRANT_OPERATIONS } from './transitions.js';
import type { Grant } from './types.js';

/** A revoked grant and what became of its peer's certificates. */
export interface GrantRevocation {
  grant: Grant;
  /** `null` when no CA was given: the certificates were left as they were. */
  certificates: CertificateRevocations | null;
}

/**
 * Revokes a pending or active grant (also one past its expiry: revocation is final and
 * records the operator's act). The guard denies `grant_revoked` from the next request on.
 * Revoking twice gives `illegal_transition`; of racing revocations exactly one succeeds.
 *
 * With `deps.ca`, the winner then revokes every unrevoked certificate of the grant's peer
 * at the CA (see `revokePeerCertificates`): a CA failure never undoes the revocation, it
 * leaves a `PendingCompensation` for `retryCompensations` and is listed under
 * `certificates.pending`.
 */
export async function revokeGrant(id: string, deps: RevocationDeps): Promise<GrantRevocation> {
  const grant = await moveGrant(deps.store, id, GRANT_OPERATIONS.revoke, deps.clock.now());
  if (deps.ca === undefined) return { grant, certificates: null };
  const certificates = await revokePeerCertificates(
    { peerId: grant.peerId, cause: `grant ${grant.id} revoked` },
    {
      store: deps.store,
      ca: deps.ca,
      clock: deps.clock,
      random: deps.random,
      logger: deps.logger ?? silentLogger,
    },
  );
  return { grant, certificates };
}
