/**
 * What lifecycle operations need from the host.
 *
 * @module @fedtrust/core/grant
 */
import type { CertificateAuthority } from '../ports/ca.js';
import type { Clock, Logger, Random } from '../ports/runtime.js';
import type { FederationStore } from '../ports/store.js';

/** Store and clock for the state-changing operations on an existing grant or peer. */
export interface LifecycleDeps {
  store: FederationStore;
  clock: Clock;
}

/**
 * Deps of `revokeGrant` and `revokePeer`. With a `ca` (and the `random` that names the
 * compensation records), the peer's certificates are also revoked at the CA once the status
 * change committed; without one, only the status changes.
 */
export type RevocationDeps = LifecycleDeps & { logger?: Logger } & (
    | { ca?: undefined; random?: Random }
    | { ca: CertificateAuthority; random: Random }
  );
