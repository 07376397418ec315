/**
 * Errors a `CertificateAuthority` adapter refuses with. Both shipped CAs (`ca-local`,
 * `ca-stepca`) throw these codes, and `runCaConformance` asserts them, so callers can
 * branch on `code` whichever CA is configured.
 *
 * @module @fedtrust/core/errors
 */
import { FedtrustError, type FedtrustErrorOptions } from './fedtrust-error.js';

/** Every code a CA adapter throws on purpose, with its HTTP-like status and remediation. */
export const CA_ERRORS = {
  /** The CSR is not a parsable PKCS#10 request, or its self-signature does not verify. */
  ca_csr_invalid: {
    status: 400,
    remediation: 'Generate a new PKCS#10 request signed by the key it carries (ECDSA P-256 is recommended).',
  },
  /** The CSR names another subject than the request (common name or names disagree). */
  ca_csr_mismatch: {
    status: 400,
    remediation: "Put the peer's registered name, and only it, in the CSR common name.",
  },
  /** The requested lifetime is outside what the CA allows. */
  ca_lifetime_out_of_bounds: {
    status: 400,
    remediation: "Request a lifetime within the CA's configured minimum and maximum.",
  },
  /** A certificate (for renewal) is unparsable or was not issued by this CA. */
  ca_certificate_unknown: {
    status: 400,
    remediation: 'Renew only certificates this CA issued; enrol again to get one.',
  },
  /** Renewal of a revoked certificate. */
  ca_certificate_revoked: {
    status: 403,
    remediation: 'The certificate was revoked and cannot be renewed; enrol again with a new token.',
  },
  /** Renewal of a certificate past its `notAfter`. */
  ca_certificate_expired: {
    status: 403,
    remediation: 'The certificate expired before renewal; enrol again with a new token.',
  },
  /** The private key offered for renewal does not match the certificate. */
  ca_key_mismatch: {
    status: 400,
    remediation: 'Renew with the private key that belongs to the certificate.',
  },
  /** A serial that is not lower-case hex. */
  ca_serial_invalid: {
    status: 400,
    remediation:
      'Pass the serial as lower-case hex without separators, as `IssuedCertificate.serial` gives it.',
  },
  /** The CA could not be reached, its TLS identity did not chain to the pinned root, or it answered garbage. */
  ca_unreachable: {
    status: 503,
    remediation:
      'Check that the CA is running at the configured URL and that its root is the pinned one (`fedtrust doctor --check ca`), then retry.',
  },
  /** The CA refused our credentials (unknown provisioner, wrong password, key that cannot be decrypted, token signature rejected). */
  ca_bad_credentials: {
    status: 502,
    remediation: "Check the CA credentials fedtrust is configured with against the CA's own configuration.",
  },
  /** The CA refused the request for a reason of its own; its message is in `details.caMessage`. */
  ca_policy_refused: {
    status: 502,
    remediation:
      "Read the CA's message and log; check its policy and certificate template against what fedtrust requests.",
  },
  /** The CA's clock and ours disagree by more than the one-time token leeway. */
  ca_clock_skew: {
    status: 502,
    remediation: 'Synchronise the clocks of this host and the CA (NTP).',
  },
  /** The CA returned a certificate that failed post-issuance verification; it was not handed out. */
  ca_verification_failed: {
    status: 502,
    remediation:
      'Check the CA template: the leaf must chain to the pinned root and carry both identity extensions once.',
  },
  /** The CA's own persisted state (keys, chain) is unreadable or inconsistent. */
  ca_state_invalid: {
    status: 500,
    remediation:
      'Check the sealing keys and the CA records in the store; restore them from backup if they were damaged.',
  },
} as const satisfies Record<string, { status: number; remediation: string }>;

/** A stable CA error code. */
export type CaErrorCode = keyof typeof CA_ERRORS;

/** A CA refused or failed; `code` is one of {@link CA_ERRORS}. */
export class CaError extends FedtrustError {
  static override readonly code: string = 'ca_error';
  override readonly name: string = 'CaError';
  declare readonly code: CaErrorCode;

  constructor(code: CaErrorCode, message: string, options: FedtrustErrorOptions = {}) {
    super(code, message, {
      status: CA_ERRORS[code].status,
      remediation: CA_ERRORS[code].remediation,
      ...options,
    });
  }
}
