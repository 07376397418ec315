import { MockAgent } from 'undici';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientKey, leaf } from '../test-support/pki.js';
import { createFederationClient, type FederationClient } from './create-federation-client.js';
import { FederationClientError } from './federation-client-error.js';

const ORIGIN = 'https://work.test:8443';
let certificatePem = '';
let privateKeyPem = '';
let mock: MockAgent;
let client: FederationClient;

beforeAll(async () => {
  const key = await clientKey();
  privateKeyPem = key.privateKeyPem;
  certificatePem = (await leaf(key, null, [])).certificatePem;
});

function makeClient(extra: Partial<Parameters<typeof createFederationClient>[0]> = {}) {
  mock = new MockAgent();
  mock.disableNetConnect();
  client = createFederationClient({
    peers: [
      { id: 'work', url: ORIGIN, rootsPem: [], certificatePem, privateKey: privateKeyPem, dispatcher: mock },
    ],
    timeoutMs: 200,
    ...extra,
  });
  return mock.get(ORIGIN);
}

afterEach(async () => {
  await client?.close();
  await mock?.close();
});

describe('createFederationClient with an injected dispatcher', () => {
  it('sends each verb to its route and returns typed results', async () => {
    const pool = makeClient();
    pool.intercept({ path: '/fedtrust/v1/capabilities', method: 'GET' }).reply(200, {
      gateway: 'work',
      grantId: 'g',
      resources: ['notes'],
      excludedResources: [],
      maxRowsPerQuery: 5,
      verbs: ['list'],
    });
    pool
      .intercept({ path: '/fedtrust/v1/list/notes', method: 'POST', body: JSON.stringify({ limit: 2 }) })
      .reply(200, { rows: [{ id: 1, _source: 'work' }], truncated: false });
    pool
      .intercept({
        path: '/fedtrust/v1/search/team%20notes',
        method: 'POST',
        body: JSON.stringify({ query: 'q' }),
      })
      .reply(200, { rows: [], truncated: false });
    pool.intercept({ path: '/fedtrust/v1/get/notes/a%2Fb', method: 'POST' }).reply(200, { row: null });

    const peer = client.peer('work');
    expect((await peer.capabilities()).maxRowsPerQuery).toBe(5);
    expect(await peer.list('notes', { limit: 2 })).toEqual({
      rows: [{ id: 1, _source: 'work' }],
      truncated: false,
    });
    expect((await peer.search('team notes', 'q')).rows).toEqual([]);
    expect(await peer.get('notes', 'a/b')).toEqual({ row: null });
    mock.assertNoPendingInterceptors();
  });

  it('turns a non-2xx answer into FederationClientError with the status, reason and Retry-After', async () => {
    const pool = makeClient();
    pool
      .intercept({ path: '/fedtrust/v1/list/notes', method: 'POST' })
      .reply(429, { error: 'rate_limited', reason: 'Slow down.' }, { headers: { 'retry-after': '7' } });
    const failure = await client
      .peer('work')
      .list('notes')
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(FederationClientError);
    expect(failure).toMatchObject({
      status: 429,
      reason: 'rate_limited',
      peer: 'work',
      retryAfterSeconds: 7,
    });
  });

  it('times out a call that gets no answer in time', async () => {
    const pool = makeClient();
    pool.intercept({ path: '/fedtrust/v1/capabilities', method: 'GET' }).reply(200, {}).delay(2_000);
    await expect(client.peer('work').capabilities({ timeoutMs: 50 })).rejects.toMatchObject({
      status: 504,
      reason: 'peer_timeout',
    });
  });

  it('refuses an answer that is not the documented shape', async () => {
    const pool = makeClient();
    pool.intercept({ path: '/fedtrust/v1/list/notes', method: 'POST' }).reply(200, 'not json');
    pool.intercept({ path: '/fedtrust/v1/list/notes', method: 'POST' }).reply(200, { rows: 'nope' });
    for (let i = 0; i < 2; i++) {
      await expect(client.peer('work').list('notes')).rejects.toMatchObject({
        reason: 'peer_invalid_response',
      });
    }
  });

  it('rejects an unknown peer id with a typed error', () => {
    makeClient();
    expect(() => client.peer('nobody')).toThrow(expect.objectContaining({ code: 'peer_unknown' }));
  });
});

describe('query over injected dispatchers', () => {
  it('opens the circuit after repeated 5xx and then stops calling the peer', async () => {
    const pool = makeClient({
      breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 },
    });
    pool
      .intercept({ path: '/fedtrust/v1/list/notes', method: 'POST' })
      .reply(503, { error: 'decision_failed', reason: 'x' })
      .times(2);
    const request = { source: 'federated:work', verb: 'list', resource: 'notes' } as const;
    for (let i = 0; i < 2; i++) {
      expect((await client.query(request)).errors[0]?.reason).toBe('decision_failed');
    }
    // No interceptor is left: a real call would fail with a MockAgent error, not circuit_open.
    const third = await client.query(request);
    expect(third).toMatchObject({
      rows: [],
      _partial: true,
      errors: [{ source: 'work', status: 503, reason: 'circuit_open' }],
    });
  });

  it('does not count a deny as a peer failure', async () => {
    const pool = makeClient({ breaker: { volumeThreshold: 1, errorThresholdPercentage: 1 } });
    pool
      .intercept({ path: '/fedtrust/v1/list/notes', method: 'POST' })
      .reply(403, { error: 'grant_revoked', reason: 'x' })
      .times(3);
    const request = { source: 'federated:work', verb: 'list', resource: 'notes' } as const;
    for (let i = 0; i < 3; i++) {
      expect((await client.query(request)).errors[0]?.reason).toBe('grant_revoked');
    }
  });

  it('refuses a cache that would be unbounded or never expire', () => {
    for (const cache of [
      { max: 10, ttlMs: 0 },
      { max: 0, ttlMs: 60_000 },
      { max: 1.5, ttlMs: 60_000 },
      { max: 10, ttlMs: Number.POSITIVE_INFINITY },
    ]) {
      expect(() => makeClient({ cache })).toThrow(expect.objectContaining({ code: 'cache_invalid' }));
    }
  });

  it('serves a repeated query from the cache only when the cache is enabled', async () => {
    const pool = makeClient({ cache: { max: 10, ttlMs: 60_000 } });
    pool
      .intercept({ path: '/fedtrust/v1/list/notes', method: 'POST' })
      .reply(200, { rows: [{ id: 1, _source: 'work' }], truncated: false });
    const request = { source: 'federated:work', verb: 'list', resource: 'notes' } as const;
    const first = await client.query(request);
    const second = await client.query(request);
    expect(second).toEqual(first);
    expect(second.rows).toHaveLength(1);

    await client.close();
    const uncached = makeClient();
    uncached
      .intercept({ path: '/fedtrust/v1/list/notes', method: 'POST' })
      .reply(200, { rows: [{ id: 1, _source: 'work' }], truncated: false });
    await client.query(request);
    expect((await client.query(request)).errors[0]?.reason).toBe('peer_unreachable');
  });
});
