/** The client over real mTLS on 127.0.0.1: typed calls, denies, sealed keys and renewal. */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { IssuedCertificate } from '@fedtrust/core';
import { resumePeer, suspendPeer } from '@fedtrust/core';
import { systemClock } from '@fedtrust/core/system';
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

  it('keeps its deadline while the sealed key is still being opened (a sealer that never answers)', async () => {
    const enrolled = await gateway.enrol(SCOPE);
    const sealer = { ...testSealer(), open: () => new Promise<Uint8Array>(() => {}) };
    await using c = client(
      enrolled,
      { privateKey: { envelope: 'sealed', context: 'client-key:work' } },
      { sealer, timeoutMs: 300 },
    );
    await expect(c.peer('work').capabilities()).rejects.toMatchObject({
      status: 504,
      reason: 'peer_timeout',
    });
    const result = await c.query({ source: 'all', verb: 'list', resource: 'notes' });
    expect(result).toMatchObject({
      rows: [],
      _partial: true,
      errors: [{ source: 'work', reason: 'peer_timeout' }],
    });
  });

  it('refuses a peer without roots to pin rather than fall back to the system CA store', async () => {
    const enrolled = await gateway.enrol(SCOPE);
    for (const rootsPem of [undefined, [], [''], [42]]) {
      expect(() => client(enrolled, { rootsPem: rootsPem as unknown as string[] })).toThrow(
        expect.objectContaining({ code: 'peer_roots_missing' }),
      );
    }
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

describe('renewal through the peer', () => {
  it('loses no request of a stream when the certificate is renewed and the Agent swapped mid-stream', async () => {
    const enrolled = await gateway.enrol({ ...SCOPE, max_rows_per_query: 1 });
    await using c = client(enrolled);
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

    // The serving gateway bound the new serial to the same peer and grant before answering.
    expect(await gateway.store.getCertificateBinding(renewed?.serial as string)).toMatchObject({
      peerId: enrolled.peer.id,
      grantId: enrolled.grant.id,
      revokedAt: null,
    });
    const records = await gateway.store.listAudit('federation');
    const ours = records.filter((r) => r.event.grantId === enrolled.grant.id);
    const listSerials = new Set(ours.filter((r) => r.event.verb === 'list').map((r) => r.event.certSerial));
    expect(listSerials).toEqual(new Set([before, renewed?.serial]));
    expect(ours.filter((r) => r.event.verb === 'renew').map((r) => r.event)).toEqual([
      expect.objectContaining({
        outcome: 'allow',
        certSerial: before,
        resource: `certificate/${renewed?.serial}`,
      }),
    ]);
  });

  it('keeps the same key: the renewed certificate certifies the key the client already holds', async () => {
    const enrolled = await gateway.enrol(SCOPE);
    await using c = client(enrolled);
    const renewed = await c.peer('work').renew();
    expect(
      new X509Certificate(renewed.certificatePem).checkPrivateKey(
        createPrivateKey(enrolled.key.privateKeyPem),
      ),
    ).toBe(true);
    expect((await c.peer('work').capabilities()).grantId).toBe(enrolled.grant.id);
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
    expect((await gateway.store.getCertificateBinding(issued.serial))?.grantId).toBe(enrolled.grant.id);
    expect((await c.peer('work').capabilities()).grantId).toBe(enrolled.grant.id);
  });

  it('keeps the current certificate when the peer refuses the renewal', async () => {
    const enrolled = await gateway.enrol(SCOPE);
    await using c = client(enrolled);
    await suspendPeer(enrolled.peer.id, { store: gateway.store, clock: systemClock });
    await expect(c.peer('work').renew()).rejects.toMatchObject({ status: 403, reason: 'peer_suspended' });
    expect(c.peer('work').certificate().serial).toBe(enrolled.serial);
    await resumePeer(enrolled.peer.id, { store: gateway.store, clock: systemClock });
    expect((await c.peer('work').capabilities()).grantId).toBe(enrolled.grant.id);
  });

  it('does not renew at all with renewal: false', async () => {
    const enrolled = await gateway.enrol(SCOPE);
    await using c = client(enrolled, { renewal: false });
    await expect(c.peer('work').renew()).rejects.toMatchObject({ code: 'renewal_not_configured' });
  });
});

describe('renewal through a CA port the host reaches', () => {
  it('is denied cert_not_bound until the host binds the new serial at the serving gateway', async () => {
    const enrolled = await gateway.enrol(SCOPE);
    // The gateway's own CA, reached directly: it renews, but nothing records the new serial.
    await using c = client(enrolled, { renewal: { ca: gateway.ca } });
    const peer = c.peer('work');
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
    expect((await peer.capabilities()).grantId).toBe(enrolled.grant.id);
  });
});
