/**
 * What the client needs to know about its own certificate: serial and validity.
 *
 * @module @fedtrust/transport-undici
 */
import { X509Certificate } from 'node:crypto';

export interface PeerCertificateInfo {
  /** Canonical serial: lower-case hex, no leading zero bytes (as core's `serialHex`). */
  serial: string;
  notBefore: Date;
  notAfter: Date;
}

/** Reads serial and validity from a PEM certificate or a parsed one; throws if it does not parse. */
export function certificateInfo(certificate: string | X509Certificate): PeerCertificateInfo {
  const x509 = typeof certificate === 'string' ? new X509Certificate(certificate) : certificate;
  return {
    serial: x509.serialNumber.toLowerCase().replace(/^(00)+(?=.)/, ''),
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
  };
}
