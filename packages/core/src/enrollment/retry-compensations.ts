/**
 * Finishing the compensations `enrollPeer` could not complete.
 *
 * @module @fedtrust/core/enrollment
 */
import type { CertificateAuthority } from '../ports/ca.js';
import { type Clock, type Logger, silentLogger } from '../ports/runtime.js';
import type { FederationStore } from '../ports/store.js';
import { compensateEnrollment } from './compensate-enrollment.js';

export interface RetryCompensationsDeps {
  store: FederationStore;
  ca: CertificateAuthority;
  clock: Clock;
  logger?: Logger;
}

/** What one pass did, by compensation id. */
export interface RetryCompensationsResult {
  /** Completed and marked resolved by this call. */
  resolved: string[];
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
 * On success the record is resolved — `resolveCompensation` lets exactly one of racing
 * callers win, and the steps are idempotent, so concurrent passes are safe. On failure
 * the attempt is counted and the record stays pending for the next pass. A failure on one
 * record never stops the others; a store failure while listing rejects with `StoreError`.
 */
export async function retryCompensations(deps: RetryCompensationsDeps): Promise<RetryCompensationsResult> {
  const logger = deps.logger ?? silentLogger;
  const result: RetryCompensationsResult = { resolved: [], resolvedElsewhere: [], failed: [] };
  for (const pending of await deps.store.listPendingCompensations()) {
    const fields = { compensationId: pending.id, serial: pending.serial, grantId: pending.grantId };
    try {
      await compensateEnrollment(pending, deps);
      if (await deps.store.resolveCompensation(pending.id, deps.clock.now())) {
        result.resolved.push(pending.id);
        logger.info('enrollment compensation resolved', fields);
      } else {
        result.resolvedElsewhere.push(pending.id);
      }
    } catch (error) {
      result.failed.push({ id: pending.id, serial: pending.serial, error: message(error) });
      logger.warn('enrollment compensation still pending', { ...fields, error: message(error) });
      await deps.store.noteCompensationAttempt(pending.id, message(error)).catch((noteError: unknown) => {
        logger.error('could not record a compensation attempt', { ...fields, error: message(noteError) });
      });
    }
  }
  return result;
}
