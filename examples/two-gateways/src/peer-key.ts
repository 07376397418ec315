/**
 * What an enrolling gateway makes locally: a key pair that never leaves it, and a CSR naming
 * the peer name the grant was created for.
 *
 * @module @fedtrust/example-two-gateways/peer-key
 */
import 'reflect-metadata';
import type { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

const P256: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };

export interface PeerKey {
  privateKeyPem: string;
  csrPem: string;
}

/** An ECDSA P-256 key (PKCS#8 PEM) and a CSR for `commonName` signed with it. */
export async function peerKey(commonName: string): Promise<PeerKey> {
  const keys = (await crypto.subtle.generateKey(P256, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${commonName}`,
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { privateKeyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'), csrPem: csr.toString('pem') };
}

/** The DER bytes of a PEM certificate. */
export function certificateDer(pem: string): Uint8Array {
  return new Uint8Array(new x509.X509Certificate(pem).rawData);
}
