import 'reflect-metadata';
import type { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import { isFedtrustError } from '../errors/fedtrust-error.js';
import type { Grant, Peer } from '../grant/types.js';
import type { CertificateAuthority, IssueRequest } from '../ports/ca.js';
import { systemRandom } from '../system/index.js';
import { makeCsr, tamperCsrSignature } from '../testing/ca-conformance.js';
import { manualClock } from '../testing/memory/manual-clock.js';
import { memoryStore } from '../testing/memory-store.js';
import { enrollPeer } from './enroll-peer.js';
import { issueEnrollmentToken } from './issue-enrollment-token.js';

const T0 = new Date('2030-03-01T09:00:00.000Z');
const PEER_NAME = 'gw-home.example.test';

/**
 * A CA that records every issue request and refuses it: these tests cover what the saga
 * decides before and around issuance. The compensation paths run against the real local CA
 * in `@fedtrust/ca-local` (enroll-peer.saga.test.ts).
 */
function unreachableCa() {
  const issued: IssueRequest[] = [];
  const ca: CertificateAuthority = {
    async issue(request) {
      issued.push(request);
      throw new Error('connect ECONNREFUSED 127.0.0.1:9000');
    },
    renew: () => Promise.reject(new Error('not used')),
    revoke: () => Promise.reject(new Error('not used')),
    roots: async () => [],
    health: async () => ({ ok: false }),
  };
  return { ca, issued };
}

async function seeded(grantOverrides: Partial<Grant> = {}) {
  const store = memoryStore();
  const clock = manualClock(T0);
  const peer: Peer = {
    id: systemRandom.uuid(),
    name: PEER_NAME,
    tenantId: 't1',
    status: 'pending',
    createdAt: T0,
    updatedAt: T0,
  };
  const grant: Grant = {
    id: systemRandom.uuid(),
    tenantId: 't1',
    peerId: peer.id,
    subjectUserId: systemRandom.uuid(),
    scope: { resources: ['tasks'], max_rows_per_query: 10 },
    status: 'pending',
    createdAt: T0,
    activatedAt: null,
    revokedAt: null,
    expiresAt: null,
    ...grantOverrides,
  };
  await store.createGrant(grant, peer);
  const { token } = await issueEnrollmentToken({ grantId: grant.id }, { store, clock, random: systemRandom });
  const { ca, issued } = unreachableCa();
  const deps = { store, ca, clock, random: systemRandom };
  return { store, clock, grant, peer, token, deps, issued };
}

/** The one-block PEM the saga forwards: the verified DER, 64-column base64. */
function canonical(csrPem: string): string {
  return x509.PemConverter.encode(x509.PemConverter.decodeFirst(csrPem), 'CERTIFICATE REQUEST');
}

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isFedtrustError(error)) throw new Error(`expected a FedtrustError, got ${String(error)}`);
  return { code: error.code, status: error.status };
}

async function unchanged(s: Awaited<ReturnType<typeof seeded>>) {
  expect(await s.store.getGrant(s.grant.id)).toEqual(s.grant);
  expect(await s.store.getPeer(s.peer.id)).toEqual(s.peer);
  expect(await s.store.listCertificateBindings()).toEqual([]);
  expect(await s.store.listPendingCompensations()).toEqual([]);
}

describe('enrollPeer before issuance', () => {
  it('answers an unknown token with 404 enrollment_unknown and never asks the CA', async () => {
    const s = await seeded();
    const { csrPem } = await makeCsr(PEER_NAME);
    const forged = `fte_${'A'.repeat(43)}`;
    expect(await failure(enrollPeer({ token: forged, csrPem }, s.deps))).toEqual({
      code: 'enrollment_unknown',
      status: 404,
    });
    expect(await failure(enrollPeer({ token: 'not even token-shaped', csrPem }, s.deps))).toMatchObject({
      code: 'enrollment_unknown',
    });
    expect(s.issued).toHaveLength(0);
    await unchanged(s);
  });

  it('answers an expired token with 410 enrollment_expired', async () => {
    const s = await seeded();
    const { csrPem } = await makeCsr(PEER_NAME);
    s.clock.advance(15 * 60 * 1000);
    expect(await failure(enrollPeer({ token: s.token, csrPem }, s.deps))).toEqual({
      code: 'enrollment_expired',
      status: 410,
    });
    expect(s.issued).toHaveLength(0);
    await unchanged(s);
  });

  it('lets exactly one of racing enrollments with one token reach the CA; the rest get 410 enrollment_replayed', async () => {
    const s = await seeded();
    const { csrPem } = await makeCsr(PEER_NAME);
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () => failure(enrollPeer({ token: s.token, csrPem }, s.deps))),
    );
    expect(s.issued).toHaveLength(1);
    expect(outcomes.filter((o) => o.code === 'enrollment_issue_failed')).toHaveLength(1);
    expect(outcomes.filter((o) => o.code === 'enrollment_replayed' && o.status === 410)).toHaveLength(5);
  });

  it('refuses a CSR with a bad signature with 400 enrollment_csr_invalid without burning the token', async () => {
    const s = await seeded();
    const { csrPem } = await makeCsr(PEER_NAME);
    expect(await failure(enrollPeer({ token: s.token, csrPem: tamperCsrSignature(csrPem) }, s.deps))).toEqual(
      {
        code: 'enrollment_csr_invalid',
        status: 400,
      },
    );
    await unchanged(s);
    // The token still redeems: the next attempt reaches the CA.
    expect(await failure(enrollPeer({ token: s.token, csrPem }, s.deps))).toMatchObject({
      code: 'enrollment_issue_failed',
    });
    expect(s.issued).toHaveLength(1);
  });

  it("refuses a CSR for another name than the peer's with 400 enrollment_csr_mismatch", async () => {
    const s = await seeded();
    const { csrPem } = await makeCsr('gw-attacker.example.test');
    expect(await failure(enrollPeer({ token: s.token, csrPem }, s.deps))).toEqual({
      code: 'enrollment_csr_mismatch',
      status: 400,
    });
    expect(s.issued).toHaveLength(0);
    await unchanged(s);
  });

  it('refuses a CSR carrying the peer name plus a second common name with 400 enrollment_csr_mismatch', async () => {
    const s = await seeded();
    const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: [{ CN: [PEER_NAME] }, { CN: ['gw-admin.example.test'] }],
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    });
    expect(await failure(enrollPeer({ token: s.token, csrPem: csr.toString('pem') }, s.deps))).toEqual({
      code: 'enrollment_csr_mismatch',
      status: 400,
    });
    expect(s.issued).toHaveLength(0);
  });

  it('hands the CA exactly the request it verified, not the PEM text the peer sent', async () => {
    const s = await seeded();
    const { csrPem } = await makeCsr(PEER_NAME);
    const decoy = (await makeCsr(PEER_NAME)).csrPem.replace(/CERTIFICATE REQUEST/g, 'X509 CRL');
    await failure(enrollPeer({ token: s.token, csrPem: `${decoy}\n${csrPem}` }, s.deps));
    expect(s.issued).toHaveLength(1);
    expect(s.issued[0]!.csrPem).toBe(canonical(csrPem));
  });

  it('refuses with 409 enrollment_state_invalid when the grant was revoked after the token was issued', async () => {
    const s = await seeded();
    const revoked = await s.store.transitionGrant(s.grant.id, ['pending'], 'revoked', T0);
    const { csrPem } = await makeCsr(PEER_NAME);
    expect(await failure(enrollPeer({ token: s.token, csrPem }, s.deps))).toEqual({
      code: 'enrollment_state_invalid',
      status: 409,
    });
    expect(s.issued).toHaveLength(0);
    expect(await s.store.getGrant(s.grant.id)).toEqual(revoked);
  });

  it('refuses with 409 enrollment_state_invalid when the peer was revoked after the token was issued', async () => {
    const s = await seeded();
    await s.store.transitionPeer(s.peer.id, ['pending'], 'revoked', T0);
    const { csrPem } = await makeCsr(PEER_NAME);
    expect(await failure(enrollPeer({ token: s.token, csrPem }, s.deps))).toEqual({
      code: 'enrollment_state_invalid',
      status: 409,
    });
    expect(s.issued).toHaveLength(0);
    expect(await s.store.getGrant(s.grant.id)).toEqual(s.grant);
  });

  it('asks the CA for the peer name, grant id and subject user id, and wraps a CA crash as 502', async () => {
    const s = await seeded();
    const { csrPem } = await makeCsr(PEER_NAME);
    expect(
      await failure(enrollPeer({ token: s.token, csrPem }, { ...s.deps, lifetimeSeconds: 3600 })),
    ).toEqual({
      code: 'enrollment_issue_failed',
      status: 502,
    });
    expect(s.issued).toEqual([
      {
        csrPem: canonical(csrPem),
        commonName: PEER_NAME,
        grantId: s.grant.id,
        subjectUserId: s.grant.subjectUserId,
        lifetimeSeconds: 3600,
      },
    ]);
    await unchanged(s);
  });
});
