/**
 * Signs an end-entity certificate under the local intermediate.
 *
 * @module @fedtrust/ca-local
 */
import 'reflect-metadata';
import type { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { Authority } from './ca-state.js';
import { ECDSA_SHA256 } from './crypto.js';

/** What varies between a peer's client certificate and a gateway's server certificate. */
export interface LeafTemplate {
  publicKey: x509.PublicKey | webcrypto.CryptoKey;
  commonName: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  /** `clientAuth` or `serverAuth`. */
  usage: x509.ExtendedKeyUsage;
  extensions: x509.Extension[];
}

/**
 * A leaf with `digitalSignature` (critical), the one extended key usage, `cA: false`
 * (critical), subject and authority key identifiers, plus the template's extensions.
 */
export async function signLeaf(issuer: Authority, template: LeafTemplate): Promise<x509.X509Certificate> {
  return x509.X509CertificateGenerator.create({
    serialNumber: template.serial,
    subject: [{ CN: [template.commonName] }],
    issuer: issuer.certificate.subjectName,
    notBefore: template.notBefore,
    notAfter: template.notAfter,
    publicKey: template.publicKey,
    signingKey: issuer.signingKey,
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([template.usage], false),
      await x509.SubjectKeyIdentifierExtension.create(template.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.certificate.publicKey),
      ...template.extensions,
    ],
  });
}
