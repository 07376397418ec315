/**
 * Test-only PKI: client keys and CSRs the way a peer makes them, and certificates a test CA
 * signs with whatever identity extensions a test needs — including missing, duplicated and
 * malformed ones that no real CA adapter would issue. Not part of the package build.
 */
import 'reflect-metadata';
import type { webcrypto } from 'node:crypto';
import { encodeIdentity, type Identity } from '@fedtrust/core';
import * as x509 from '@peculiar/x509';

const P256: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SHA256: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

export interface ClientKey {
  keys: webcrypto.CryptoKeyPair;
  privateKeyPem: string;
}

export async function clientKey(): Promise<ClientKey> {
  const keys = (await crypto.subtle.generateKey(P256, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { keys, privateKeyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}

export async function csrFor(key: ClientKey, commonName: string): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${commonName}`,
    keys: key.keys,
    signingAlgorithm: SHA256,
  });
  return csr.toString('pem');
}

export interface TestCa {
  certificatePem: string;
  certificate: x509.X509Certificate;
  signingKey: webcrypto.CryptoKey;
}

let serialCounter = 1;
const nextSerial = () => (0x10_0000 + serialCounter++).toString(16);

/** A self-signed root that a test pins next to the real CA's roots. */
export async function testCa(name = 'fedtrust test ca'): Promise<TestCa> {
  const keys = (await crypto.subtle.generateKey(P256, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name: `CN=${name}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3_600_000),
    keys,
    signingAlgorithm: SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { certificatePem: certificate.toString('pem'), certificate, signingKey: keys.privateKey };
}

/** Identity extensions as a real CA writes them. */
export function identityExtensions(identity: Identity): x509.Extension[] {
  const encoded = encodeIdentity(identity);
  return [
    new x509.Extension(encoded.grantId.oid, false, encoded.grantId.der),
    new x509.Extension(encoded.subjectUserId.oid, false, encoded.subjectUserId.der),
  ];
}

/** A raw extension under an identity OID, for malformed and duplicated cases. */
export function rawExtension(oid: string, der: Uint8Array): x509.Extension {
  return new x509.Extension(oid, false, der);
}

/**
 * A clientAuth leaf for `key`, signed by `issuer` (or self-signed by `key` when `issuer` is
 * null), carrying exactly `extensions` beyond the usual leaf ones.
 */
export async function leaf(
  key: ClientKey,
  issuer: TestCa | null,
  extensions: x509.Extension[],
  commonName = 'peer.test',
): Promise<{ certificatePem: string; serial: string }> {
  const now = Date.now();
  const serial = nextSerial();
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: `CN=${commonName}`,
    issuer: issuer === null ? `CN=${commonName}` : issuer.certificate.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3_600_000),
    publicKey: key.keys.publicKey,
    signingKey: issuer === null ? key.keys.privateKey : issuer.signingKey,
    signingAlgorithm: SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
      ...extensions,
    ],
  });
  return { certificatePem: certificate.toString('pem'), serial };
}
