/**
 * The codes `POST /fedtrust/v1/renew` answers with besides the guard's deny reasons.
 *
 * @module @fedtrust/transport-undici
 */

/** Every renewal-specific code, its HTTP status and what the peer's operator can do about it. */
export const RENEWAL_ERRORS = {
  renewal_csr_invalid: {
    status: 400,
    remediation: 'Send a PEM PKCS#10 request signed by its own key (ECDSA P-256 is recommended).',
  },
  renewal_csr_mismatch: {
    status: 400,
    remediation:
      "Put the peer's registered name, and only it, in the CSR common name (copy the current certificate's).",
  },
  renewal_superseded: {
    status: 403,
    remediation:
      'This certificate was already renewed or a newer one is bound to the peer: renew with the newest certificate (enrol again if a renewal answer was lost). If this peer did not renew it, its key may have leaked: ask the gateway operator to revoke the peer.',
  },
  renewal_issue_failed: {
    status: 502,
    remediation: 'The CA did not issue the certificate; retry later, the current certificate stays valid.',
  },
  renewal_aborted: {
    status: 503,
    remediation:
      'The new certificate could not be recorded and was revoked; retry later, the current certificate stays valid.',
  },
  renewal_compensation_pending: {
    status: 503,
    remediation:
      'The new certificate could not be recorded and its revocation is pending; retry later, the current certificate stays valid.',
  },
  renewal_compensation_failed: {
    status: 503,
    remediation:
      'The new certificate could not be recorded or revoked; the gateway operator must revoke it by hand (see its logs). The current certificate stays valid.',
  },
} as const satisfies Record<string, { status: number; remediation: string }>;

export type RenewalErrorCode = keyof typeof RENEWAL_ERRORS;
