/**
 * Typed errors of the enrollment saga (`enrollPeer`).
 *
 * @module @fedtrust/core/enrollment
 */
import { FedtrustError, type FedtrustErrorOptions } from '../errors/fedtrust-error.js';

/** Every code `enrollPeer` refuses or fails with, its status and what to do about it. */
export const ENROLL_PEER_ERRORS = {
  enrollment_unknown: {
    status: 404,
    remediation: 'Check the enrollment token; ask the gateway operator for a new one if it was mistyped.',
  },
  enrollment_expired: {
    status: 410,
    remediation: 'The enrollment token expired; ask the gateway operator for a new one.',
  },
  enrollment_replayed: {
    status: 410,
    remediation: 'The enrollment token was already used; ask the gateway operator for a new one.',
  },
  enrollment_csr_invalid: {
    status: 400,
    remediation: 'Send a PEM PKCS#10 request signed by its own key (ECDSA P-256 is recommended).',
  },
  enrollment_csr_mismatch: {
    status: 400,
    remediation: "Put the peer's registered name, and only it, in the CSR common name; ask for a new token.",
  },
  enrollment_state_invalid: {
    status: 409,
    remediation:
      'The grant or peer is no longer pending (revoked, expired or enrolled); ask for a new grant.',
  },
  enrollment_issue_failed: {
    status: 502,
    remediation: 'The CA did not issue the certificate; check that it is healthy and ask for a new token.',
  },
  enrollment_aborted: {
    status: 503,
    remediation:
      'Enrollment failed after issuance and was rolled back (the certificate is revoked); ask for a new token and retry.',
  },
  enrollment_compensation_pending: {
    status: 503,
    remediation:
      'Enrollment failed and the certificate could not be revoked yet; a durable record was kept and retryCompensations() finishes it.',
  },
  enrollment_compensation_failed: {
    status: 500,
    remediation:
      'Enrollment failed and neither the revocation nor its durable record succeeded; revoke the serial in the error details at the CA by hand.',
  },
} as const satisfies Record<string, { status: number; remediation: string }>;

export type EnrollPeerErrorCode = keyof typeof ENROLL_PEER_ERRORS;

/** `enrollPeer` refused or failed; `code` is one of {@link ENROLL_PEER_ERRORS}. */
export class EnrollPeerError extends FedtrustError {
  static override readonly code: string = 'enroll_peer_error';
  override readonly name = 'EnrollPeerError';
  declare readonly code: EnrollPeerErrorCode;

  constructor(code: EnrollPeerErrorCode, message: string, options: FedtrustErrorOptions = {}) {
    super(code, message, {
      status: ENROLL_PEER_ERRORS[code].status,
      remediation: ENROLL_PEER_ERRORS[code].remediation,
      ...options,
    });
  }
}
