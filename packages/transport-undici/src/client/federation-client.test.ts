/** The client over real mTLS on 127.0.0.1: typed calls, denies, sealed keys and renewal. */
import type { CertificateAuthority, IssuedCertificate } from '@fedtrust/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  arraySource,
  type Enrolled,
  startGateway,
  type TestGateway,
  testSealer,
} from '../test-support/gateway.js';
import { createFederationClient, type FederationClientOptions } from './create-federation-client.js';
import { FederationClientError } from './federation-client-error.js';
import type { PeerOptions } from './peer-connection.js';

const ROWS = Array.from({ length: 4 }, (_, i) => ({ id: `r${i}`, text: `row ${i}` }));
const SCOPE = { resources: ['notes', 'tasks'], max_rows_per_query: 3, verbs: ['list', 'get', 'search'] };
let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startGateway({
    sources: { notes: arraySource(ROWS), tasks: arraySource([]) },
    authorize: ({ resource }) => resource !== 'tasks',
  });
});

afterAll(async () => {
  await gateway?.close();
});

function peerOptions(enrolled: Enrolled, extra: Partial<PeerOptions> = {}): PeerOptions {
  return {
    id: 'work',
    url: gateway.url,
    rootsPem: gateway.rootsPem,
    certificatePem: enrolled.certificatePem,
    chainPem: enrolled.chainPem,
    privateKey: enrolled.key.privateKeyPem,
    ...extra,
  };
}

function client(
  enrolled: Enrolled,
  extra: Partial<PeerOptions> = {},
  options: Partial<FederationClientOptions> = {},
) {
  return createFederationClient({ peers: [peerOptions(enrolled, extra)], timeoutMs: 5_000, ...options });
}

/** What the serving gateway's CA adapter does on renewal: renew, then bind the new serial to the peer. */
function bindingCa(enrolled: Enrolled): CertificateAuthority {
  return {
    ...gateway.ca,
    async renew(request) {
      const issued = await gateway.ca.renew(request);
      await gateway.store.bindCertificate({
        serial: issued.serial,
        peerId: enrolled.peer.id,
        grantId: enrolled.grant.id,
        notBefore: issued.notBefore,
        notAfter: issued.notAfter,
        revokedAt: null,
      });
      return issued;
    },
  };
}

describe('createFederationClient over mTLS', () => {
  it('returns typed results for every verb', async () => {
    await using c = client(await gateway.enrol(SCOPE));
    const peer = c.peer('work');
    expect(await peer.capabilities()).toMatchObject({ resources: ['notes', 'tasks'], maxRowsPerQuery: 3 });
    const listed = await peer.list('notes');
    expect(listed.rows.map((r) => r['id'])).toEqual(['r0', 'r1', 'r2']);
    expect(listed.truncated).toBe(true);
    expect(listed.rows.every((r) => r._source === 'work')).toBe(true);
    expect((await peer.get('notes', 'r3')).row).toEqual({ id: 'r3', text: 'row 3', _source: 'work' });
    expect((await peer.search('notes', 'row 1')).rows).toEqual([
      { id: 'r1', text: 'row 1', _source: 'work' },
    ]);
  });

  it('rejects a deny with FederationClientError carrying status and reason', async () => {
    await using c = client(await gateway.enrol(SCOPE));
    const failure = await c
      .peer('work')
      .list('tasks')
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(FederationClientError);
    expect(failure).toMatchObject({ status: 403, reason: 'rbac_denied', peer: 'work' });
  });

  it('opens a sealed private key in memory and uses it', async () => {
    const enrolled = await gateway.enrol(SCOPE);
    const sealer = testSealer();
    const envelope = await sealer.seal(
      new TextEncoder().encode(enrolled.key.privateKeyPem),
      'client-key:work',
    );
    expect(envelope).not.toContain('PRIVATE KEY');
    await using c = client(enrolled, { privateKey: { envelope, context: 'client-key:work' } }, { sealer });
    expect((await c.peer('work').capabilities()).grantId).toBe(enrolled.grant.id);
  });

  it('reports a peer that refuses the server certificate pin as unreachable', async () => {
    const other = await startGateway({ name: 'other' });
    try {
      await using c = client(await gateway.enrol(SCOPE), { rootsPem: other.rootsPem });
      await expect(c.peer('work').capabilities()).rejects.toMatchObject({
        status: 502,
        reason: 'peer_unreachable',
      });
    } finally {
      await other.close();
    }
  });
});

describe('renewal', () => {
  it('loses no request of a stream when the certificate is renewed and the Agent swapped mid-stream', async () => {
    const enrolled = await gateway.enrol({ ...SCOPE, max_rows_per_query: 1 });
    await using c = client(enrolled, { renewal: { ca: bindingCa(enrolled) } });
    const peer = c.peer('work');
    const before = peer.certificate().serial;
    const results: Array<Promise<unknown>> = [];
    let renewal: Promise<IssuedCertificate> | undefined;
    for (let i = 0; i < 60; i++) {
      results.push(peer.list('notes'));
      if (i === 20) renewal = peer.renew();
      if (i % 10 === 9) await Promise.resolve(results.at(-1)).catch(() => undefined);
    }
    const settled = await Promise.allSettled(results);
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
    const renewed = await renewal;
    expect(renewed?.serial).not.toBe(before);
    expect(peer.certificate().serial).toBe(renewed?.serial);
    expect((await peer.list('notes')).rows).toHaveLength(1);
    const serials = new Set(
      (await gateway.store.listAudit('federation'))
        .filter((r) => r.event.grantId === enrolled.grant.id && r.event.verb === 'list')
        .map((r) => r.event.certSerial),
    );
    expect(serials).toEqual(new Set([before, renewed?.serial]));
  });

  it('renews on its own once two thirds of the lifetime have passed', async () => {
    const enrolled = await gateway.enrol(SCOPE);
    let offsetMs = 6 * 24 * 3_600_000;
    let resolveRenewed: (issued: IssuedCertificate) => void = () => {};
    const renewed = new Promise<IssuedCertificate>((resolve) => {
      resolveRenewed = resolve;
    });
    await using c = client(
      enrolled,
      {
        renewal: {
          ca: bindingCa(enrolled),
          onRenewed: (issued) => {
            offsetMs = 0;
            resolveRenewed(issued);
          },
        },
      },
      { clock: { now: () => new Date(Date.now() + offsetMs) } },
    );
    const issued = await renewed;
    expect(issued.serial).not.toBe(enrolled.serial);
    expect(c.peer('work').certificate().serial).toBe(issued.serial);
    expect((await c.peer('work').capabilities()).grantId).toBe(enrolled.grant.id);
  });
});
