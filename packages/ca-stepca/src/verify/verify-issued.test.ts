import 'reflect-metadata';
import type { webcrypto } from 'node:crypto';
import { encodeIdentity } from '@fedtrust/core';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { StepCaError } from '../errors.js';
import { type Expectation, verifyIssued } from './verify-issued.js';

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const MINUTE = 60_000;
const NOW = new Date();
const GRANT = '0b0c7f1e-6f0e-4d8a-9a3e-2f1c5d9b7a10';
const SUBJECT = '5d2a9c1b-3e4f-4a6b-8c7d-9e0f1a2b3c4d';
const identity = encodeIdentity({ grantId: GRANT, subjectUserId: SUBJECT });

type Keys = webcrypto.CryptoKeyPair;
let rootKeys: Keys;
let root: x509.X509Certificate;
let caKeys: Keys;
let intermediate: x509.X509Certificate;
let leafKeys: Keys;
let leafSpki: Uint8Array;

const keyPair = () => crypto.subtle.generateKey(EC, true, ['sign', 'verify']) as Promise<Keys>;

beforeAll(async () => {
  rootKeys = await keyPair();
  root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=pinned root',
    notBefore: new Date(NOW.getTime() - 60 * MINUTE),
    notAfter: new Date(NOW.getTime() + 3650 * 24 * 60 * MINUTE),
    keys: rootKeys,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
    ],
  });
  caKeys = await keyPair();
  intermediate = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: 'CN=intermediate',
    issuer: root.subject,
    notBefore: root.notBefore,
    notAfter: root.notAfter,
    publicKey: caKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
    ],
  });
  leafKeys = await keyPair();
  leafSpki = new Uint8Array(await crypto.subtle.exportKey('spki', leafKeys.publicKey));
});

/** A leaf as step-ca would issue it (one minute backdated), with `change` applied. */
async function leaf(
  change: {
    lifetimeMs?: number;
    extensions?: x509.Extension[];
    ca?: boolean;
    publicKey?: webcrypto.CryptoKey;
    usages?: string[] | null;
  } = {},
) {
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '00a1b2',
    subject: 'CN=work-gateway',
    issuer: intermediate.subject,
    notBefore: new Date(NOW.getTime() - MINUTE),
    notAfter: new Date(NOW.getTime() + (change.lifetimeMs ?? 24 * 60 * MINUTE)),
    publicKey: change.publicKey ?? leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(change.ca === true, undefined, true),
      ...(change.usages === null
        ? []
        : [new x509.ExtendedKeyUsageExtension(change.usages ?? [x509.ExtendedKeyUsage.clientAuth])]),
      ...(change.extensions ?? [
        new x509.Extension(identity.grantId.oid, false, identity.grantId.der),
        new x509.Extension(identity.subjectUserId.oid, false, identity.subjectUserId.der),
      ]),
    ],
  });
  return { leaf: cert.toString('pem'), chain: [cert.toString('pem'), intermediate.toString('pem')] };
}

function expectation(overrides: Partial<Expectation> = {}): Expectation {
  return {
    identity: { grantId: GRANT, subjectUserId: SUBJECT },
    commonName: 'work-gateway',
    publicKey: leafSpki,
    arc: identity.grantId.oid.replace(/\.1\.1$/, ''),
    rootDer: new Uint8Array(root.rawData),
    at: NOW,
    maxLifetimeSeconds: 24 * 3600,
    ...overrides,
  };
}

async function refusal(pems: { leaf: unknown; chain: unknown }, expected = expectation()) {
  const error = await verifyIssued(pems, expected).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StepCaError);
  expect((error as StepCaError).code).toBe('ca_verification_failed');
  return (error as StepCaError).message;
}

describe('verifyIssued', () => {
  it('returns the leaf, its intermediate and its canonical serial when everything matches', async () => {
    const issued = await verifyIssued(await leaf(), expectation());
    expect(issued.serial).toBe('a1b2');
    expect(issued.chainPem).toEqual([intermediate.toString('pem')]);
  });

  it('refuses a leaf that outlives the lifetime that was asked for (or the CA bound)', async () => {
    const message = await refusal(await leaf({ lifetimeMs: 10 * 365 * 24 * 60 * MINUTE }));
    expect(message).toMatch(/valid until/);
  });

  it('accepts the CA clock a little ahead of ours', async () => {
    await expect(
      verifyIssued(await leaf({ lifetimeMs: 24 * 60 * MINUTE + 2 * MINUTE }), expectation()),
    ).resolves.toMatchObject({ serial: 'a1b2' });
  });

  it('refuses a leaf usable as a TLS server certificate: no extended key usage, serverAuth, or any usage', async () => {
    await refusal(await leaf({ usages: null }));
    await refusal(
      await leaf({ usages: [x509.ExtendedKeyUsage.clientAuth, x509.ExtendedKeyUsage.serverAuth] }),
    );
    await refusal(await leaf({ usages: [x509.ExtendedKeyUsage.clientAuth, '2.5.29.37.0'] }));
  });

  it('refuses a leaf that is a CA', async () => {
    await refusal(await leaf({ ca: true }));
  });

  it('refuses a leaf certifying another key than the CSR', async () => {
    const other = await keyPair();
    await refusal(await leaf({ publicKey: other.publicKey }));
  });

  it('refuses a leaf carrying the grant extension twice, or only one of the two', async () => {
    const grant = new x509.Extension(identity.grantId.oid, false, identity.grantId.der);
    const subject = new x509.Extension(identity.subjectUserId.oid, false, identity.subjectUserId.der);
    await refusal(await leaf({ extensions: [grant, grant, subject] }));
    await refusal(await leaf({ extensions: [grant] }));
  });

  it('refuses a leaf for another grant', async () => {
    await refusal(
      await leaf(),
      expectation({ identity: { grantId: '11111111-2222-4333-8444-555555555555', subjectUserId: SUBJECT } }),
    );
  });

  it('refuses a leaf whose chain ends at a root other than the pinned one', async () => {
    const stranger = await keyPair();
    const otherRoot = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '03',
      name: 'CN=pinned root',
      notBefore: root.notBefore,
      notAfter: root.notAfter,
      keys: stranger,
      signingAlgorithm: SIGNING,
      extensions: [new x509.BasicConstraintsExtension(true, 1, true)],
    });
    await refusal(await leaf(), expectation({ rootDer: new Uint8Array(otherRoot.rawData) }));
  });
});
