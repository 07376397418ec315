/**
 * The federation server and client with client certificates from a real step-ca: enrolment
 * through `POST /enroll`, allowed and denied requests, revocation, and renewal — through the
 * gateway's `POST /renew` (which signs at step-ca and binds), and directly at step-ca's mTLS
 * `/1.0/renew` (which binds nothing). The gateway's own TLS certificate comes from its local
 * CA, so client and server certificates chain to different pinned roots, as in production.
 */

import { stepCa } from '@fedtrust/ca-stepca';
import { type RunningStepCa, startStepCa } from '@fedtrust/ca-stepca/testing';
import { type CertificateAuthority, revokeGrant } from '@fedtrust/core';
import { systemClock } from '@fedtrust/core/system';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFederationClient } from '../client/create-federation-client.js';
import { arraySource, type Enrolled, startGateway, type TestGateway } from '../test-support/gateway.js';

const SCOPE = { resources: ['notes'], excluded_resources: ['secrets'], max_rows_per_query: 2 };
let running: RunningStepCa | undefined;
let ca: CertificateAuthority;
let gateway: TestGateway;

beforeAll(async () => {
  running = await startStepCa();
  ca = stepCa({ url: running.url, root: running.rootPem, provisioner: running.provisioner });
  gateway = await startGateway({
    enrollmentCa: ca,
    sources: { notes: arraySource([{ id: 1 }, { id: 2 }, { id: 3 }]) },
  });
}, 300_000);

afterAll(async () => {
  await gateway?.close();
  await running?.stop();
});

function clientFor(enrolled: Enrolled, renewal?: { ca: CertificateAuthority }) {
  return createFederationClient({
    peers: [
      {
        id: 'work',
        url: gateway.url,
        rootsPem: gateway.rootsPem,
        certificatePem: enrolled.certificatePem,
        chainPem: enrolled.chainPem,
        privateKey: enrolled.key.privateKeyPem,
        ...(renewal === undefined ? {} : { renewal }),
      },
    ],
  });
}

describe('with certificates from step-ca', () => {
  it('serves an enrolled peer, caps rows, denies what the scope excludes and honours revocation', async () => {
    const enrolled = await gateway.enrol(SCOPE);
    expect(enrolled.certificatePem).not.toBe('');
    await using client = clientFor(enrolled);
    const peer = client.peer('work');
    expect((await peer.list('notes')).rows).toEqual([
      { id: 1, _source: 'work' },
      { id: 2, _source: 'work' },
    ]);
    await expect(peer.list('secrets')).rejects.toMatchObject({ status: 403, reason: 'resource_excluded' });
    await revokeGrant(enrolled.grant.id, { store: gateway.store, clock: systemClock });
    await expect(peer.capabilities()).rejects.toMatchObject({ status: 403, reason: 'grant_revoked' });
  });

  it("renews through the gateway's route, which signs at step-ca and binds the new serial before answering", async () => {
    const enrolled = await gateway.enrol(SCOPE);
    await using client = clientFor(enrolled);
    const peer = client.peer('work');
    expect((await peer.capabilities()).grantId).toBe(enrolled.grant.id);
    const renewed = await peer.renew();
    expect(renewed.serial).not.toBe(enrolled.serial);
    expect(renewed.chainPem.length).toBeGreaterThan(0);
    expect(await gateway.store.getCertificateBinding(renewed.serial)).toMatchObject({
      grantId: enrolled.grant.id,
      peerId: enrolled.peer.id,
      revokedAt: null,
    });
    expect((await peer.list('notes')).rows).toHaveLength(2);
    const last = await gateway.store.tailAudit('federation', 1);
    expect(last[0]?.event).toMatchObject({ outcome: 'allow', certSerial: renewed.serial });
  });

  it("renews directly at step-ca's /1.0/renew, and the gateway denies the new serial cert_not_bound until the host binds it", async () => {
    const enrolled = await gateway.enrol(SCOPE);
    await using client = clientFor(enrolled, { ca });
    const peer = client.peer('work');
    const renewed = await peer.renew();
    expect(renewed.serial).not.toBe(enrolled.serial);
    await expect(peer.capabilities()).rejects.toMatchObject({ status: 403, reason: 'cert_not_bound' });
    await gateway.store.bindCertificate({
      serial: renewed.serial,
      peerId: enrolled.peer.id,
      grantId: enrolled.grant.id,
      notBefore: renewed.notBefore,
      notAfter: renewed.notAfter,
      revokedAt: null,
    });
    expect((await peer.list('notes')).rows).toHaveLength(2);
  });
});
