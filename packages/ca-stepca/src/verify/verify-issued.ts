/**
 * Post-issuance verification: a certificate from step-ca is handed out only when it is
 * exactly what was asked for.
 *
 * @module @fedtrust/ca-stepca
 */
import 'reflect-metadata';
import { type Identity, type IssuedCertificate, readIdentity, serialHex } from '@fedtrust/core';
import {
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  X509Certificate,
} from '@peculiar/x509';
import { StepCaError } from '../errors.js';
import { chainsToRoot } from './chains-to-root.js';

/** What the leaf must be. */
export interface Expectation {
  identity: Identity;
  commonName: string;
  /** DER SubjectPublicKeyInfo the leaf must certify. */
  publicKey: Uint8Array;
  arc: string;
  rootDer: Uint8Array;
  at: Date;
  /** The longest validity the request allows, counted from `at` (the requested lifetime, else the CA's bound). */
  maxLifetimeSeconds: number;
}

const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

/** How far ahead of ours the CA's clock may run (its tokens allow one minute) plus the round trip. */
const CLOCK_LEEWAY_MS = 5 * 60_000;

/**
 * Checks step-ca's answer (`crt` plus `certChain`) and returns the certificate only if the
 * leaf chains to the pinned root, does not outlive the lifetime asked for, is a client-auth
 * only end-entity certificate, certifies the expected key for the expected
 * common name, and carries both identity extensions exactly once with the expected
 * values. Anything else is `ca_verification_failed`; the certificate is not returned.
 */
export async function verifyIssued(
  pems: { leaf: unknown; chain: unknown },
  expected: Expectation,
): Promise<IssuedCertificate> {
  const fail = (message: string, cause?: unknown): never => {
    throw new StepCaError(
      'ca_verification_failed',
      `step-ca issued a certificate fedtrust will not use: ${message}`,
      {
        ...(cause === undefined ? {} : { cause }),
        details: { commonName: expected.commonName, grantId: expected.identity.grantId },
      },
    );
  };
  if (typeof pems.leaf !== 'string') return fail('the response carries no certificate');
  const chainPems = Array.isArray(pems.chain)
    ? pems.chain.filter((p): p is string => typeof p === 'string')
    : [];
  let leaf: X509Certificate;
  let chain: X509Certificate[];
  try {
    leaf = new X509Certificate(pems.leaf);
    chain = chainPems.map((p) => new X509Certificate(p));
  } catch (error) {
    return fail('a certificate in the response cannot be parsed', error);
  }
  const leafDer = new Uint8Array(leaf.rawData);
  // step-ca's certChain starts with the leaf; what follows are intermediates (never the root).
  const intermediates = chain
    .filter((c) => !bytesEqual(new Uint8Array(c.rawData), leafDer))
    .filter((c) => !bytesEqual(new Uint8Array(c.rawData), expected.rootDer));
  const problem = await chainsToRoot(
    leafDer,
    intermediates.map((c) => new Uint8Array(c.rawData)),
    expected.rootDer,
    expected.at,
  );
  if (problem !== null) fail(`it does not chain to the pinned root (${problem.message})`);
  const latest = expected.at.getTime() + expected.maxLifetimeSeconds * 1000 + CLOCK_LEEWAY_MS;
  if (leaf.notAfter.getTime() > latest) {
    fail(
      `it is valid until ${leaf.notAfter.toISOString()}, beyond the ${expected.maxLifetimeSeconds} s that were asked for`,
    );
  }
  if (leaf.getExtension(BasicConstraintsExtension)?.ca === true) fail('the leaf is a CA certificate');
  if (!bytesEqual(new Uint8Array(leaf.publicKey.rawData), expected.publicKey)) {
    fail('it certifies another public key than the request');
  }
  const commonNames = leaf.subjectName.getField('CN');
  if (commonNames.length !== 1 || commonNames[0] !== expected.commonName) {
    fail(`its common name is ${JSON.stringify(commonNames)}, not "${expected.commonName}"`);
  }
  let identity: Identity;
  try {
    identity = readIdentity(leafDer, expected.arc);
  } catch (error) {
    return fail(
      `its identity extensions are unusable (${error instanceof Error ? error.message : String(error)}); configure the provisioner with templateFor('${expected.arc}')`,
      error,
    );
  }
  if (
    identity.grantId !== expected.identity.grantId ||
    identity.subjectUserId !== expected.identity.subjectUserId
  ) {
    fail('its identity extensions name another grant or subject than requested');
  }
  // A leaf without EKU, or with serverAuth, would also pass as a TLS server certificate for
  // its DNS name (the peer's name) to everyone who pins this root.
  const usages = leaf.getExtension(ExtendedKeyUsageExtension)?.usages ?? [];
  if (
    !usages.includes(ExtendedKeyUsage.clientAuth) ||
    usages.includes(ExtendedKeyUsage.serverAuth) ||
    usages.includes(ANY_EXTENDED_KEY_USAGE)
  ) {
    fail(`its extended key usages are ${JSON.stringify(usages)}, not client authentication only`);
  }
  return {
    certificatePem: leaf.toString('pem'),
    chainPem: intermediates.map((c) => c.toString('pem')),
    serial: serialHex(hexBytes(leaf.serialNumber)),
    notBefore: leaf.notBefore,
    notAfter: leaf.notAfter,
  };
}

/** Byte equality of two DER values. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function hexBytes(hex: string): Uint8Array {
  const clean = hex.length % 2 === 0 ? hex : `0${hex}`;
  return Uint8Array.from(clean.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}
