/**
 * After a grant or peer is revoked: revoking its peer's certificates at the CA, so the CA's
 * revocation list tells the truth. The guard does not depend on this (it reads grant and
 * peer status on every request); it is defence in depth for anything that trusts the CA's
 * list instead of the store.
 *
 * @module @fedtrust/core/grant
 */
import type { CertificateAuthority } from '../ports/ca.js';
import type { Clock, Logger, Random } from '../ports/runtime.js';
import type { FederationStore, PendingCompensation } from '../ports/store.js';

/**
 * Every `PendingCompensation` a revocation leaves for `retryCompensations` has a `reason`
 * starting with this. It tells the retry that the record only owes a CA revocation and is
 * never an interrupted enrollment to undo (enrollment reasons start `enrollment `, renewal
 * ones `renewal `).
 */
export const REVOCATION_FOLLOW_UP_PREFIX = 'revocation follow-up: ';

/** Whether a compensation was left by `revokeGrant` / `revokePeer` rather than by an enrollment or renewal. */
export function isRevocationFollowUp(compensation: Pick<PendingCompensation, 'reason'>): boolean {
  return compensation.reason.startsWith(REVOCATION_FOLLOW_UP_PREFIX);
}

/** A certificate whose revocation is left to `retryCompensations`. */
export interface PendingRevocation {
  serial: string;
  /** The `PendingCompensation` that records it. */
  compensationId: string;
  /** Why this attempt failed. */
  error: string;
}

/** What happened to the peer's certificates. Serials are lower-case hex, in the store's order. */
export interface CertificateRevocations {
  /** Revoked at the CA and marked revoked on their binding by this call. */
  revoked: string[];
  /** Not finished; each is recorded as a `PendingCompensation` that `retryCompensations` completes. */
  pending: PendingRevocation[];
  /**
   * Not finished and not recorded either (the compensation write failed too): revoke these at
   * the CA by hand. `serial` is `null` when the peer's certificates could not even be listed.
   */
  unrecorded: Array<{ serial: string | null; error: string }>;
}

/** What the certificate sweep needs: the CA to revoke at and the ports to record what is left. */
export interface CertificateSweepDeps {
  store: FederationStore;
  ca: CertificateAuthority;
  clock: Clock;
  random: Random;
  logger: Logger;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Revokes, at the CA, every certificate bound to `peerId` that has not expired, then marks
 * its binding revoked. A binding's `revokedAt` does not say whether the CA revoked it — a
 * renewal only retires the old certificate in the store (a stamp, possibly still ahead) —
 * so retired certificates are revoked at the CA too; their stamp is kept, as the store
 * stamps a binding once. An expired certificate is left alone: no CA lists it any more.
 * Both steps are idempotent (both CA adapters treat a second revocation as done), so a
 * serial revoked before or concurrently is simply reported revoked. No CA or store failure
 * rejects: a serial whose CA revocation or binding update fails gets a durable `PendingCompensation`
 * (reason {@link REVOCATION_FOLLOW_UP_PREFIX}…, `attempts: 1`) for `retryCompensations`;
 * if even that write fails, the serial is reported `unrecorded` and logged as an error.
 * Callers run it only after the grant or peer status change committed, which it never undoes.
 */
export async function revokePeerCertificates(
  target: { peerId: string; cause: string },
  deps: CertificateSweepDeps,
): Promise<CertificateRevocations> {
  const result: CertificateRevocations = { revoked: [], pending: [], unrecorded: [] };
  const reason = `${REVOCATION_FOLLOW_UP_PREFIX}${target.cause}`;
  let bindings: Awaited<ReturnType<FederationStore['listCertificateBindings']>>;
  try {
    bindings = await deps.store.listCertificateBindings({ peerId: target.peerId });
  } catch (error) {
    const why = `could not list the certificates: ${message(error)}`;
    deps.logger.error('certificates of a revoked peer not revoked at the CA: revoke them by hand', {
      peerId: target.peerId,
      error: why,
    });
    result.unrecorded.push({ serial: null, error: why });
    return result;
  }

  const now = deps.clock.now().getTime();
  for (const binding of bindings) {
    // A corrupt notAfter gives NaN, which compares false: the certificate counts as unexpired.
    const notAfter = binding.notAfter instanceof Date ? binding.notAfter.getTime() : Number.NaN;
    if (binding.peerId !== target.peerId || notAfter <= now) continue;
    const { serial, grantId } = binding;
    const fields = { serial, grantId, peerId: target.peerId };
    try {
      await deps.ca.revoke({ serial, reason });
      await deps.store.markCertificateRevoked(serial, deps.clock.now());
      result.revoked.push(serial);
    } catch (error) {
      const id = deps.random.uuid();
      try {
        await deps.store.addCompensation({
          id,
          serial,
          grantId,
          peerId: target.peerId,
          reason,
          createdAt: deps.clock.now(),
          attempts: 1,
          lastError: message(error),
          resolvedAt: null,
        });
      } catch (recordError) {
        const why = `${message(error)}; recording failed: ${message(recordError)}`;
        deps.logger.error('certificate of a revoked peer not revoked at the CA: revoke it by hand', {
          ...fields,
          error: why,
        });
        result.unrecorded.push({ serial, error: why });
        continue;
      }
      deps.logger.warn('certificate revocation at the CA pending', {
        ...fields,
        compensationId: id,
        error: message(error),
      });
      result.pending.push({ serial, compensationId: id, error: message(error) });
    }
  }
  return result;
}
