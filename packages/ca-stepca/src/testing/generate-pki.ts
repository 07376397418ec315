/**
 * Test PKI for a throwaway step-ca: root, intermediate and JWK provisioner keys, made with
 * WebCrypto, @peculiar/x509 and jose (no `step` CLI).
 *
 * @module @fedtrust/ca-stepca/testing
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { CompactEncrypt, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 3600 * 1000;
/** step-ca's own provisioner keys use 100 000 PBKDF2 iterations. */
const PBES2_COUNT = 100_000;

export interface TestPki {
  rootPem: string;
  intermediatePem: string;
  /** PKCS#8 PEM, unencrypted: the CA runs from a temporary folder removed on stop. */
  intermediateKeyPem: string;
}

/** A root (path length 1) and an intermediate (path length 0) valid from yesterday for ten years. */
export async function generatePki(now: Date = new Date()): Promise<TestPki> {
  const notBefore = new Date(now.getTime() - DAY_MS);
  const notAfter = new Date(now.getTime() + 3650 * DAY_MS);
  const rootKeys = await crypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: 'CN=fedtrust test root, O=fedtrust',
    notBefore,
    notAfter,
    keys: rootKeys,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  const intermediateKeys = await crypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const intermediate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: 'CN=fedtrust test intermediate, O=fedtrust',
    issuer: root.subject,
    notBefore,
    notAfter,
    publicKey: intermediateKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(intermediateKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', intermediateKeys.privateKey);
  return {
    rootPem: root.toString('pem'),
    intermediatePem: intermediate.toString('pem'),
    intermediateKeyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'),
  };
}

/** How a generated provisioner is deliberately broken, to test the adapter's refusals. */
export type ProvisionerFault = 'tampered-ciphertext' | 'foreign-key';

export interface GeneratedProvisioner {
  /** The public JWK step-ca verifies tokens with (`kid` = RFC 7638 thumbprint, as step does). */
  key: JWK & { kid: string };
  /** The private JWK as JWE compact (PBES2-HS256+A128KW, A128GCM), as step-ca publishes it. */
  encryptedKey: string;
}

/**
 * An ES256 JWK provisioner key and its encrypted private half. With a `fault`, the
 * encrypted key is damaged (`tampered-ciphertext`) or holds another key than the public
 * one (`foreign-key`).
 */
export async function generateProvisioner(
  password: string,
  fault?: ProvisionerFault,
): Promise<GeneratedProvisioner> {
  const pair = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(pair.publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const key = { ...publicJwk, kid, use: 'sig', alg: 'ES256' };
  let privateJwk = await exportJWK(pair.privateKey);
  if (fault === 'foreign-key')
    privateJwk = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
  let encryptedKey = await new CompactEncrypt(
    new TextEncoder().encode(JSON.stringify({ ...privateJwk, kid, use: 'sig', alg: 'ES256' })),
  )
    .setProtectedHeader({ alg: 'PBES2-HS256+A128KW', enc: 'A128GCM', cty: 'jwk+json' })
    .setKeyManagementParameters({ p2c: PBES2_COUNT })
    .encrypt(new TextEncoder().encode(password));
  if (fault === 'tampered-ciphertext') encryptedKey = flipCiphertext(encryptedKey);
  return { key, encryptedKey };
}

function flipCiphertext(jwe: string): string {
  const parts = jwe.split('.');
  const ciphertext = Buffer.from(parts[3] as string, 'base64url');
  ciphertext[0] = (ciphertext[0] as number) ^ 0x01;
  parts[3] = ciphertext.toString('base64url');
  return parts.join('.');
}

function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] as number) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}
