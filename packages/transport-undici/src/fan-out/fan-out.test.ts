/**
 * Fan-out over real TLS: three peers, one stopped and one slower than the timeout; local
 * rows included; nothing fetched is written to the caller's store.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FederationStore } from '@fedtrust/core';
import { memoryStore } from '@fedtrust/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFederationClient, type FederationClient } from '../client/create-federation-client.js';
import type { PeerOptions } from '../client/peer-connection.js';
import {
  arraySource,
  type Enrolled,
  startGateway,
  type TestGateway,
  testSealer,
} from '../test-support/gateway.js';
import type { ResourceSource } from '../types.js';

const SCOPE = { resources: ['notes'], max_rows_per_query: 10 };
const gateways: TestGateway[] = [];
let client: FederationClient;
let callerStore: FederationStore;

const slowSource: ResourceSource = {
  async list(_filter, _limit, ctx) {
    await sleep(3_000, undefined, { signal: ctx.signal }).catch(() => undefined);
    return [{ id: 'late' }];
  },
  get: () => null,
  search: () => [],
};

async function peer(name: string, source: ResourceSource): Promise<PeerOptions> {
  const gateway = await startGateway({ name, sources: { notes: source } });
  gateways.push(gateway);
  const enrolled: Enrolled = await gateway.enrol(SCOPE);
  // The caller keeps its client key sealed in its own store, as a gateway would.
  const sealer = testSealer();
  const envelope = await sealer.seal(
    new TextEncoder().encode(enrolled.key.privateKeyPem),
    `client-key:${name}`,
  );
  await callerStore.putSealed({
    id: `client-key:${name}`,
    keyId: sealer.currentKeyId,
    envelope,
    updatedAt: new Date(),
  });
  return {
    id: name,
    url: gateway.url,
    rootsPem: gateway.rootsPem,
    certificatePem: enrolled.certificatePem,
    chainPem: enrolled.chainPem,
    privateKey: enrolled.key.privateKeyPem,
  };
}

async function rowCounts(store: FederationStore) {
  return {
    grants: (await store.listGrants()).length,
    peers: (await store.listPeers()).length,
    bindings: (await store.listCertificateBindings()).length,
    sealed: (await store.listSealed()).length,
    auditChains: (await store.listAuditChains()).length,
    providerTokens: (await store.listProviderTokens()).length,
    compensations: (await store.listPendingCompensations()).length,
  };
}

beforeAll(async () => {
  callerStore = memoryStore();
  const healthy = await peer('alpha', arraySource([{ id: 'a1' }, { id: 'a2' }]));
  const stopped = await peer('bravo', arraySource([{ id: 'b1' }]));
  const delayed = await peer('charlie', slowSource);
  await gateways[1]?.close();
  client = createFederationClient({
    peers: [healthy, stopped, delayed],
    timeoutMs: 400,
    local: { name: 'home', query: () => [{ id: 'h1' }] },
  });
});

afterAll(async () => {
  await client?.close();
  await Promise.all(gateways.map((g) => g.close()));
});

describe('query fan-out', () => {
  it('returns healthy rows tagged _source with _partial and one error per failed peer', async () => {
    const result = await client.query({ source: 'all', verb: 'list', resource: 'notes' });
    expect(result.rows).toEqual([
      { id: 'h1', _source: 'home' },
      { id: 'a1', _source: 'alpha' },
      { id: 'a2', _source: 'alpha' },
    ]);
    expect(result._partial).toBe(true);
    expect(result.errors).toEqual([
      expect.objectContaining({ source: 'bravo', status: 502, reason: 'peer_unreachable' }),
      expect.objectContaining({ source: 'charlie', status: 504, reason: 'peer_timeout' }),
    ]);
  });

  it('queries one peer with federated:<peer>, and only local with local', async () => {
    const one = await client.query({ source: 'federated:alpha', verb: 'list', resource: 'notes', limit: 1 });
    expect(one).toEqual({ rows: [{ id: 'a1', _source: 'alpha' }], _partial: false, errors: [] });
    const local = await client.query({ source: 'local', verb: 'list', resource: 'notes' });
    expect(local).toEqual({ rows: [{ id: 'h1', _source: 'home' }], _partial: false, errors: [] });
  });

  it('leaves every row count of the caller store unchanged', async () => {
    const before = await rowCounts(callerStore);
    await client.query({ source: 'all', verb: 'list', resource: 'notes' });
    await client.query({ source: 'federated:alpha', verb: 'get', resource: 'notes', id: 'a1' });
    expect(await rowCounts(callerStore)).toEqual(before);
    expect(before.sealed).toBe(3);
  });
});
