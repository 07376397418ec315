/**
 * The Agent swap at renewal, raced against calls that start on every microtask around it.
 * A call reads the current Agent, then awaits before dispatching; if the swap closes that
 * Agent in between, undici refuses the dispatch. No call may be lost that way.
 */
import type { CertificateAuthority, IssuedCertificate } from '@fedtrust/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../test-support/gateway.js';
import { createFederationClient } from './create-federation-client.js';

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startGateway();
});

afterAll(async () => {
  await gateway?.close();
});

describe('renewal swap', () => {
  it('loses no call that starts on any microtask around the swap', async () => {
    const enrolled = await gateway.enrol({ resources: ['notes'], max_rows_per_query: 1 });
    // The host's CA port: renews at the gateway's CA and binds the serial there, as the README asks.
    const issued = await gateway.ca.renew({
      certificatePem: enrolled.certificatePem,
      privateKeyPem: enrolled.key.privateKeyPem,
    });
    await gateway.store.bindCertificate({
      serial: issued.serial,
      peerId: enrolled.peer.id,
      grantId: enrolled.grant.id,
      notBefore: issued.notBefore,
      notAfter: issued.notAfter,
      revokedAt: null,
    });
    let release: () => void = () => {};
    let asked: () => void = () => {};
    const renewAsked = new Promise<void>((resolve) => {
      asked = resolve;
    });
    const answer = new Promise<IssuedCertificate>((resolve) => {
      release = () => resolve(issued);
    });
    const ca = new Proxy(gateway.ca, {
      get(target, property, receiver) {
        if (property === 'renew') {
          return () => {
            asked();
            return answer;
          };
        }
        return Reflect.get(target, property, receiver);
      },
    }) as CertificateAuthority;

    await using client = createFederationClient({
      peers: [
        {
          id: 'work',
          url: gateway.url,
          rootsPem: gateway.rootsPem,
          certificatePem: enrolled.certificatePem,
          chainPem: enrolled.chainPem,
          privateKey: enrolled.key.privateKeyPem,
          renewal: { ca },
        },
      ],
      timeoutMs: 5_000,
    });
    const peer = client.peer('work');
    expect((await peer.capabilities()).grantId).toBe(enrolled.grant.id);

    const renewal = peer.renew();
    await renewAsked;
    release();
    const calls: Array<Promise<unknown>> = [];
    for (let tick = 0; tick < 12; tick++) {
      calls.push(peer.capabilities());
      await Promise.resolve();
    }
    expect((await renewal).serial).toBe(issued.serial);
    const settled = await Promise.allSettled(calls);
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
    expect(peer.certificate().serial).toBe(issued.serial);
  });
});
