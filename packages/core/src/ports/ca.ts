/**
 * The certificate-authority port, implemented by `@fedtrust/ca-local` and `@fedtrust/ca-stepca`.
 *
 * @module @fedtrust/core/ports
 */

/** What to issue: a leaf for `commonName` carrying both identity extensions. */
export interface IssueRequest {
  /** PEM PKCS#10 request; its signature is verified and its public key certified. */
  csrPem: string;
  commonName: string;
  grantId: string;
  subjectUserId: string;
  /** Requested lifetime in seconds; a CA refuses values outside its bounds (`ca_lifetime_out_of_bounds`). */
  lifetimeSeconds?: number;
}

/** An issued leaf certificate. */
export interface IssuedCertificate {
  certificatePem: string;
  /** Intermediates, leaf-issuer first, not including the root. */
  chainPem: string[];
  /** Lower-case hex serial, no separators. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
}

/** Renewal of a still-valid, unrevoked certificate: same key, same identity, new validity. */
export interface RenewRequest {
  certificatePem: string;
  /** PKCS#8 PEM private key of the certificate (Step-CA renews over mTLS with it). Held in memory only. */
  privateKeyPem: string;
}

export interface RevokeRequest {
  serial: string;
  reason?: string;
}

export interface CaHealth {
  ok: boolean;
  detail?: string;
}

/**
 * A certificate authority that issues client certificates carrying fedtrust identity
 * extensions. Implementations verify what they return: a leaf that does not chain to
 * their root or lacks either extension is an error, never a result.
 */
export interface CertificateAuthority {
  issue(request: IssueRequest): Promise<IssuedCertificate>;
  renew(request: RenewRequest): Promise<IssuedCertificate>;
  revoke(request: RevokeRequest): Promise<void>;
  /** PEM root certificates peers must pin. */
  roots(): Promise<string[]>;
  health(): Promise<CaHealth>;
}
