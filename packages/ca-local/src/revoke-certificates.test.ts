/**
 * Revoking a grant or a peer against the real local CA: its signed CRL must list every
 * certificate the peer held, now or — when the CA failed — after `retryCompensations`.
 */
import 'reflect-metadata';
import {
  type CertificateAuthority,
  createSealer,
  enrollPeer,
  type FederationStore,
  type Grant,
  generateSealKey,
  issueEnrollmentToken,
  type Peer,
  retryCompensations,
  revokeGrant,
  revokePeer,
} from '@fedtrust/core';
import { systemRandom } from '@fedtrust/core/system';
import { makeCsr, manualClock, memoryStore } from '@fedtrust/core/testing';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import { localCa } from './index.js';

const T0 = new Date('2030-03-01T09:00:00.000Z');
const PEER_NAME = 'gw-home.example.test';

/** An enrolled peer holding two certificates (the enrollment one and a second, bound as a renewal binds it). */
async function enrolledTwice() {
  const store: FederationStore = memoryStore();
  const clock = manualClock(T0);
  const ca = localCa({
    store,
    sealer: createSealer({
      keys: { k1: generateSealKey(systemRandom) },
      currentKeyId: 'k1',
      random: systemRandom,
    }),
    clock,
  });
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
  };
  await store.createGrant(grant, peer);
  const { token } = await issueEnrollmentToken({ grantId: grant.id }, { store, clock, random: systemRandom });
  const enrolled = await enrollPeer(
    { token, csrPem: (await makeCsr(PEER_NAME)).csrPem },
    { store, ca, clock, random: systemRandom },
  );
  const second = await ca.issue({
    csrPem: (await makeCsr(PEER_NAME)).csrPem,
    commonName: PEER_NAME,
    grantId: grant.id,
    subjectUserId: grant.subjectUserId,
  });
  await store.bindCertificate({
    serial: second.serial,
    peerId: peer.id,
    grantId: grant.id,
    notBefore: second.notBefore,
    notAfter: second.notAfter,
    revokedAt: null,
  });
  const intermediate = new x509.X509Certificate(enrolled.chainPem[0] as string);

  /** Serials the CA's CRL lists, after checking the intermediate that issued the leaves signed it. */
  async function crlSerials(): Promise<string[]> {
    const crl = new x509.X509Crl(await ca.crl());
    expect(await crl.verify({ publicKey: intermediate.publicKey })).toBe(true);
    return crl.entries.map((e) => e.serialNumber.toLowerCase()).sort();
  }
  const serials = [enrolled.serial, second.serial].sort();
  return { store, clock, ca, grant, peer, serials, crlSerials };
}

describe('revoking against the local CA', () => {
  it('revokeGrant puts every certificate of the peer on the CRL and marks each binding revoked', async () => {
    const s = await enrolledTwice();
    expect(await s.crlSerials()).toEqual([]);

    const { grant, certificates } = await revokeGrant(s.grant.id, {
      store: s.store,
      clock: s.clock,
      ca: s.ca,
      random: systemRandom,
    });

    expect(grant.status).toBe('revoked');
    expect(certificates?.revoked.sort()).toEqual(s.serials);
    expect(await s.crlSerials()).toEqual(s.serials);
    const bindings = await s.store.listCertificateBindings({ peerId: s.peer.id });
    expect(bindings.map((b) => b.revokedAt)).toEqual([s.clock.now(), s.clock.now()]);
    expect((await s.store.getPeer(s.peer.id))?.status).toBe('active');
    expect(await s.store.listPendingCompensations()).toEqual([]);
  });

  it('revokePeer with the CA down stays revoked, and retryCompensations later puts the serials on the CRL', async () => {
    const s = await enrolledTwice();
    const down: CertificateAuthority = {
      ...s.ca,
      revoke: () => Promise.reject(new Error('CA unreachable')),
    };

    const { peer, certificates } = await revokePeer(s.peer.id, {
      store: s.store,
      clock: s.clock,
      ca: down,
      random: systemRandom,
    });
    expect(peer.status).toBe('revoked');
    expect(certificates?.revoked).toEqual([]);
    expect(certificates?.pending.map((p) => p.serial).sort()).toEqual(s.serials);
    expect(await s.crlSerials()).toEqual([]);

    s.clock.advance(1_000);
    const pass = await retryCompensations({ store: s.store, ca: s.ca, clock: s.clock });
    expect(pass.resolved).toHaveLength(2);
    expect(pass.failed).toEqual([]);
    expect(await s.crlSerials()).toEqual(s.serials);
    expect(await s.store.listPendingCompensations()).toEqual([]);
    expect((await s.store.getPeer(s.peer.id))?.status).toBe('revoked');
    expect((await s.store.getGrant(s.grant.id))?.status).toBe('active');
  });
});
