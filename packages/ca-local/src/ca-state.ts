/**
 * The local CA's keys: a root and an intermediate, created on first use and kept sealed
 * in the store, so every `localCa` over the same store (a restart, a second process) signs
 * under the same root.
 *
 * Record ids are `ca:<name>:root` and `ca:<name>:intermediate`; each envelope seals
 * `{ certificatePem, privateKey }` (PKCS#8, base64) with the record id as associated data,
 * so an envelope cannot be swapped into another record.
 *
 * @module @fedtrust/ca-local
 */
import 'reflect-metadata';
import type { webcrypto } from 'node:crypto';
import type { Clock, Random, SealedStore, Sealer } from '@fedtrust/core';
import { CaError, isFedtrustError, openRecord, sealRecord } from '@fedtrust/core';
import * as x509 from '@peculiar/x509';
import {
  addSeconds,
  ECDSA_SHA256,
  exportPkcs8,
  floorToSecond,
  generateKeyPair,
  importSigningKey,
  randomSerial,
} from './crypto.js';

/** A CA certificate with its signing key, held in memory only. */
export interface Authority {
  certificate: x509.X509Certificate;
  signingKey: webcrypto.CryptoKey;
}

export interface CaKeys {
  root: Authority;
  intermediate: Authority;
}

export interface CaStateDeps {
  store: SealedStore;
  sealer: Sealer;
  clock: Clock;
  random: Random;
  name: string;
}

const ROOT_YEARS = 20;
const INTERMEDIATE_YEARS = 10;
const YEAR_SECONDS = 365 * 24 * 3600;

interface SealedAuthority {
  certificatePem: string;
  privateKey: string;
}

export function rootRecordId(name: string): string {
  return `ca:${name}:root`;
}

export function intermediateRecordId(name: string): string {
  return `ca:${name}:intermediate`;
}

async function loadAuthority(deps: CaStateDeps, id: string): Promise<Authority | null> {
  const record = await deps.store.getSealed(id);
  if (!record) return null;
  try {
    const plain = await openRecord(deps.sealer, record);
    const parsed = JSON.parse(new TextDecoder().decode(plain)) as SealedAuthority;
    return {
      certificate: new x509.X509Certificate(parsed.certificatePem),
      signingKey: await importSigningKey(new Uint8Array(Buffer.from(parsed.privateKey, 'base64'))),
    };
  } catch (error) {
    // A seal error (unknown key id, tampered envelope) already says what to do.
    if (isFedtrustError(error)) throw error;
    throw new CaError('ca_state_invalid', `The sealed CA record ${id} cannot be opened or read.`, {
      cause: error,
      details: { record: id },
    });
  }
}

/**
 * Writes a new authority only if `id` has no record yet; returns whether this call wrote it.
 * With `replaceSealed` (every shipped store) racing first starts agree on one authority: the
 * losers load the winner's instead of signing under a key that was never persisted.
 */
async function saveAuthority(
  deps: CaStateDeps,
  id: string,
  cert: x509.X509Certificate,
  key: webcrypto.CryptoKey,
): Promise<boolean> {
  const payload: SealedAuthority = {
    certificatePem: cert.toString('pem'),
    privateKey: Buffer.from(await exportPkcs8(key)).toString('base64'),
  };
  const plain = new TextEncoder().encode(JSON.stringify(payload));
  const record = await sealRecord(deps.sealer, id, plain, deps.clock.now());
  if (deps.store.replaceSealed) return deps.store.replaceSealed(record, null);
  await deps.store.putSealed(record);
  return true;
}

/** The stored authority after `saveAuthority` lost a race; it must exist by now. */
async function reloadAuthority(deps: CaStateDeps, id: string): Promise<Authority> {
  const stored = await loadAuthority(deps, id);
  if (stored) return stored;
  throw new CaError(
    'ca_state_invalid',
    `The CA record ${id} was created concurrently but cannot be read back.`,
    {
      details: { record: id },
    },
  );
}

async function createRoot(deps: CaStateDeps): Promise<Authority> {
  const keys = await generateKeyPair();
  const notBefore = floorToSecond(deps.clock.now());
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(deps.random.bytes(16)),
    name: [{ CN: [`${deps.name} Root CA`] }],
    notBefore,
    notAfter: addSeconds(notBefore, ROOT_YEARS * YEAR_SECONDS),
    keys,
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  if (!(await saveAuthority(deps, rootRecordId(deps.name), certificate, keys.privateKey))) {
    return reloadAuthority(deps, rootRecordId(deps.name));
  }
  return { certificate, signingKey: keys.privateKey };
}

async function createIntermediate(deps: CaStateDeps, root: Authority): Promise<Authority> {
  const keys = await generateKeyPair();
  const notBefore = floorToSecond(deps.clock.now());
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(deps.random.bytes(16)),
    subject: [{ CN: [`${deps.name} Intermediate CA`] }],
    issuer: root.certificate.subjectName,
    notBefore,
    notAfter: addSeconds(notBefore, INTERMEDIATE_YEARS * YEAR_SECONDS),
    publicKey: keys.publicKey,
    signingKey: root.signingKey,
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(root.certificate.publicKey),
    ],
  });
  if (!(await saveAuthority(deps, intermediateRecordId(deps.name), certificate, keys.privateKey))) {
    return reloadAuthority(deps, intermediateRecordId(deps.name));
  }
  return { certificate, signingKey: keys.privateKey };
}

/**
 * Loads the root and intermediate, creating whichever is missing. Refuses (`ca_state_invalid`)
 * a stored intermediate that the stored root did not sign rather than issuing under a
 * chain no peer could verify.
 *
 * Creation is a compare-and-set (`replaceSealed` with no previous record), so concurrent first
 * starts — two replicas, two `localCa` objects — all end up with the same root and
 * intermediate. A host store without `replaceSealed` falls back to a plain write, and then
 * the first start must happen on one node (the CLI's `init`).
 */
export async function loadOrCreateKeys(deps: CaStateDeps): Promise<CaKeys> {
  const root = (await loadAuthority(deps, rootRecordId(deps.name))) ?? (await createRoot(deps));
  const intermediate =
    (await loadAuthority(deps, intermediateRecordId(deps.name))) ?? (await createIntermediate(deps, root));
  const signed = await intermediate.certificate.verify({
    publicKey: root.certificate.publicKey,
    signatureOnly: true,
  });
  if (!signed) {
    throw new CaError('ca_state_invalid', 'The stored intermediate was not signed by the stored root.', {
      details: { name: deps.name },
    });
  }
  return { root, intermediate };
}
