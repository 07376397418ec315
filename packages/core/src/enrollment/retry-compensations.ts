/**
 * Finishing the compensations `enrollPeer` could not complete.
 *
 * @module @fedtrust/core/enrollment
 */

import { isRevocationFollowUp } from '../grant/revoke-certificates.js';
import type { CertificateAuthority } from '../ports/ca.js';
import { type Clock, type Logger, silentLogger } from '../ports/runtime.js';
import type { FederationStore, PendingCompensation } from '../ports/store.js';
import { compensateEnrollment } from './compensate-enrollment.js';

export interface RetryCompensationsDeps {
  store: FederationStore;
  ca: CertificateAuthority;
  clock: Clock;
  logger?: Logger;
  /**
   * How long an enrollment intent (`attempts: 0`) is presumed to belong to a saga still
   * running, and is left alone (default {@link ENROLLMENT_IN_FLIGHT_SECONDS}). Keep it well
   * above the longest enrollment: a saga still running past it can be compensated under it.
   */
  inFlightSeconds?: number;
}

/** Default in-flight grace: an enrollment takes seconds; ten minutes is far beyond it. */
export const ENROLLMENT_IN_FLIGHT_SECONDS = 600;

/** What one pass did, by compensation id. */
export interface RetryCompensationsResult {
  /** Completed (or, for an interrupted saga, found complete) and marked resolved by this call. */
  resolved: string[];
  /** Intents of sagas that may still be running (younger than the in-flight grace); left alone. */
  inFlight: string[];
  /** Completed, but another caller marked them resolved first. */
  resolvedElsewhere: string[];
  /** Still pending; the attempt and its error were recorded. */
  failed: Array<{ id: string; serial: string; error: string }>;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs every pending compensation again, oldest first: revoke the certificate at the CA,
 * mark its binding revoked, return a stranded peer to pending (see `compensateEnrollment`).
 * A revocation follow-up (left by `revokeGrant` / `revokePeer`, see `isRevocationFollowUp`)
 * only revokes at the CA and marks the binding: it is never in flight, never resolved
 * without revoking, and never moves a grant or peer. An intent left by a saga that was
 * interrupted (never noted as failed) is first left alone while it may still be running, then resolved without revoking if the enrollment did
 * complete (grant and peer active, its certificate bound and unrevoked), else compensated.
 * On success the record is resolved — `resolveCompensation` lets exactly one of racing
 * callers win, and the steps are idempotent, so concurrent passes are safe. On failure
 * the attempt is counted and the record stays pending for the next pass. A failure on one
 * record never stops the others; a store failure while listing rejects with `StoreError`.
 */
export async function retryCompensations(deps: RetryCompensationsDeps): Promise<RetryCompensationsResult> {
  const logger = deps.logger ?? silentLogger;
  const result: RetryCompensationsResult = { resolved: [], inFlight: [], resolvedElsewhere: [], failed: [] };
  const graceMs = (deps.inFlightSeconds ?? ENROLLMENT_IN_FLIGHT_SECONDS) * 1000;
  for (const pending of await deps.store.listPendingCompensations()) {
    const fields = { compensationId: pending.id, serial: pending.serial, grantId: pending.grantId };
    const followUp = isRevocationFollowUp(pending);
    const intent = !followUp && pending.attempts === 0;
    const kind = followUp ? 'revocation follow-up' : 'enrollment compensation';
    if (intent && deps.clock.now().getTime() - pending.createdAt.getTime() < graceMs) {
      result.inFlight.push(pending.id);
      continue;
    }
    try {
      if (followUp) {
        await finishRevocation(pending, deps);
      } else if (!(intent && (await enrollmentCompleted(pending, deps.store)))) {
        await compensateEnrollment(pending, deps);
      }
      if (await deps.store.resolveCompensation(pending.id, deps.clock.now())) {
        result.resolved.push(pending.id);
        logger.info(`${kind} resolved`, fields);
      } else {
        result.resolvedElsewhere.push(pending.id);
      }
    } catch (error) {
      result.failed.push({ id: pending.id, serial: pending.serial, error: message(error) });
      logger.warn(`${kind} still pending`, { ...fields, error: message(error) });
      await deps.store.noteCompensationAttempt(pending.id, message(error)).catch((noteError: unknown) => {
        logger.error('could not record a compensation attempt', { ...fields, error: message(noteError) });
      });
    }
  }
  return result;
}

/** The rest of a grant or peer revocation: the certificate revoked at the CA, then its binding. */
async function finishRevocation(pending: PendingCompensation, deps: RetryCompensationsDeps): Promise<void> {
  await deps.ca.revoke({ serial: pending.serial, reason: pending.reason });
  await deps.store.markCertificateRevoked(pending.serial, deps.clock.now());
}

/** Whether the saga behind `pending` finished every step: it must then not be undone. */
async function enrollmentCompleted(pending: PendingCompensation, store: FederationStore): Promise<boolean> {
  const [grant, peer, binding] = await Promise.all([
    store.getGrant(pending.grantId),
    store.getPeer(pending.peerId),
    store.getCertificateBinding(pending.serial),
  ]);
  return (
    grant?.status === 'active' &&
    peer?.status === 'active' &&
    binding !== null &&
    binding.peerId === pending.peerId &&
    binding.revokedAt === null
  );
}
