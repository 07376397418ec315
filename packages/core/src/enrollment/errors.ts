/**
 * Typed errors of enrollment-token issuance.
 *
 * @module @fedtrust/core/enrollment
 */
import { FedtrustError } from '../errors/fedtrust-error.js';

/** Why an enrollment token could not be issued. */
export type EnrollmentErrorCode =
  | 'enrollment_ttl_invalid'
  | 'enrollment_grant_not_pending'
  | 'enrollment_peer_not_pending';

const STATUS: Record<EnrollmentErrorCode, number> = {
  enrollment_ttl_invalid: 400,
  enrollment_grant_not_pending: 409,
  enrollment_peer_not_pending: 409,
};

const REMEDIATION: Record<EnrollmentErrorCode, string> = {
  enrollment_ttl_invalid:
    'Pass ttlSeconds as a whole number of seconds within the documented bounds, or omit it for 15 minutes.',
  enrollment_grant_not_pending:
    'Enrollment tokens are issued only for a pending, unexpired grant; create a new grant for a new enrollment.',
  enrollment_peer_not_pending:
    "The grant's peer is no longer pending (enrolled, suspended or revoked); create a new grant to enrol again.",
};

/** An enrollment token was refused before anything was stored. */
export class EnrollmentError extends FedtrustError {
  static override readonly code: string = 'enrollment_error';
  override readonly name = 'EnrollmentError';
  declare readonly code: EnrollmentErrorCode;

  constructor(code: EnrollmentErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, message, {
      status: STATUS[code],
      remediation: REMEDIATION[code],
      ...(details ? { details } : {}),
    });
  }
}
