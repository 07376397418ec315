/**
 * Small WebCrypto and @peculiar/x509 helpers shared by the local CA's operations.
 *
 * @module @fedtrust/ca-local
 */
import 'reflect-metadata';
import type { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/** Every key the local CA makes is ECDSA P-256 and signs with SHA-256. */
export const P256: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
export const ECDSA_SHA256: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

/** A fresh extractable P-256 key pair (extractable so the private half can be sealed). */
export async function generateKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await crypto.subtle.generateKey(P256, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

export async function exportPkcs8(key: webcrypto.CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey('pkcs8', key));
}

export function pkcs8ToPem(pkcs8: Uint8Array): string {
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

/** Imports a sealed P-256 signing key; not extractable once back in memory. */
export async function importSigningKey(pkcs8: Uint8Array): Promise<webcrypto.CryptoKey> {
  return crypto.subtle.importKey('pkcs8', pkcs8, P256, false, ['sign']);
}

/**
 * A positive serial of 16 random bytes: the top bit is cleared so the DER INTEGER needs no
 * sign byte, and a zero first byte is avoided so the canonical hex (`serialHex`) is always
 * 32 characters.
 */
export function randomSerial(bytes: Uint8Array): string {
  const serial = Uint8Array.from(bytes);
  serial[0] = serial[0]! & 0x7f || 0x01;
  return Buffer.from(serial).toString('hex');
}

/** Whole seconds: X.509 validity carries no fractions, and reported dates must equal the certificate's. */
export function floorToSecond(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

export function addSeconds(date: Date, seconds: number): Date {
  return new Date(date.getTime() + seconds * 1000);
}

/**
 * An RSA public exponent that makes a signature a proof of key possession: odd and at least
 * 65537 (CA/Browser Forum baseline). With e = 1 a "signature" is just the padded digest, so
 * anyone can produce one; WebCrypto imports and verifies such keys without complaint.
 */
function strongExponent(exponent: Uint8Array | undefined): boolean {
  if (!exponent) return false;
  let value = 0n;
  for (const byte of exponent) value = value * 256n + BigInt(byte);
  return value >= 65537n && value % 2n === 1n;
}

/** Import parameters for verifying with the public key of `cert`, for the key types a peer may use. */
export function verifyParamsFor(
  algorithm: webcrypto.Algorithm,
): { importParams: webcrypto.Algorithm; signParams: webcrypto.Algorithm } | null {
  const a = algorithm as webcrypto.Algorithm & {
    namedCurve?: string;
    modulusLength?: number;
    publicExponent?: Uint8Array;
  };
  if (a.name === 'ECDSA' && (a.namedCurve === 'P-256' || a.namedCurve === 'P-384')) {
    const hash = a.namedCurve === 'P-256' ? 'SHA-256' : 'SHA-384';
    return {
      importParams: { name: 'ECDSA', namedCurve: a.namedCurve } as webcrypto.EcKeyImportParams,
      signParams: { name: 'ECDSA', hash } as webcrypto.EcdsaParams,
    };
  }
  if (a.name === 'Ed25519') return { importParams: { name: 'Ed25519' }, signParams: { name: 'Ed25519' } };
  if (a.name === 'RSASSA-PKCS1-v1_5' && (a.modulusLength ?? 0) >= 2048 && strongExponent(a.publicExponent)) {
    const params = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as webcrypto.RsaHashedImportParams;
    return { importParams: params, signParams: params };
  }
  return null;
}
