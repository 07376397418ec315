/**
 * `@fedtrust/ca-local`: an in-process certificate authority (ECDSA P-256 on WebCrypto and
 * @peculiar/x509) implementing core's `CertificateAuthority` port, with sealed persistent
 * keys, revocation and a signed CRL.
 *
 * @module @fedtrust/ca-local
 */

export {
  BACKDATE_SECONDS,
  DEFAULT_LIFETIME,
  type LifetimeBounds,
  type LocalCa,
  type LocalCaOptions,
  localCa,
  type ServerCertificate,
} from './local-ca.js';
export type { Revocation } from './revocations.js';
