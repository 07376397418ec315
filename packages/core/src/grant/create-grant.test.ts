import { describe, expect, it } from 'vitest';
import { isFedtrustError, StoreError } from '../errors/fedtrust-error.js';
import type { HostDirectory } from '../ports/host.js';
import type { Clock, Random } from '../ports/runtime.js';
import type { FederationStore } from '../ports/store.js';
import { defineResources } from '../scope/index.js';
import { memoryStore } from '../testing/memory-store.js';
import { type CreateGrantInput, createGrant } from './create-grant.js';

const NOW = new Date('2030-06-01T12:00:00.000Z');
const USER = '0a1b2c3d-0000-4000-8000-000000000001';
const catalogue = defineResources({ tasks: {}, notes: {}, credentials: { sensitive: true } });
const clock: Clock = { now: () => new Date(NOW) };

function countingRandom(): Random {
  let n = 0;
  return {
    bytes: (size) => new Uint8Array(size),
    uuid: () => `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`,
  };
}

/** Members: tenant-a has USER. Records every question it is asked. */
function directory(members: Record<string, string[]> = { 'tenant-a': [USER] }) {
  const asked: Array<[string, string]> = [];
  const dir: HostDirectory = {
    async userBelongsToTenant(userId, tenantId) {
      asked.push([userId, tenantId]);
      return members[tenantId]?.includes(userId) ?? false;
    },
  };
  return { dir, asked };
}

const valid = (overrides: Partial<CreateGrantInput> = {}): CreateGrantInput => ({
  tenantId: 'tenant-a',
  peerName: 'home-gateway.example.test',
  subjectUserId: USER,
  scope: { resources: ['tasks'], max_rows_per_query: 50, filters: { tasks: { include_teams: ['ops'] } } },
  expiresAt: new Date(NOW.getTime() + 86_400_000),
  ...overrides,
});

async function setup(members?: Record<string, string[]>) {
  const store = memoryStore();
  const { dir, asked } = directory(members);
  return { store, asked, deps: { store, directory: dir, catalogue, clock, random: countingRandom() } };
}

async function codeOf(
  promise: Promise<unknown>,
): Promise<{ code: string; status: number; details: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (!isFedtrustError(error)) throw error;
    return { code: error.code, status: error.status, details: error.details };
  }
  throw new Error('expected a FedtrustError');
}

async function nothingWritten(store: FederationStore) {
  expect(await store.listGrants()).toEqual([]);
  expect(await store.listPeers()).toEqual([]);
}

describe('createGrant', () => {
  it('stores a pending grant bound to a new pending peer, with the parsed scope and ids from Random', async () => {
    const { store, deps, asked } = await setup();
    const { grant, peer } = await createGrant(valid(), deps);
    expect(peer).toEqual({
      id: '00000000-0000-4000-8000-000000000001',
      name: 'home-gateway.example.test',
      tenantId: 'tenant-a',
      status: 'pending',
      createdAt: NOW,
      updatedAt: NOW,
    });
    expect(grant).toMatchObject({
      id: '00000000-0000-4000-8000-000000000002',
      tenantId: 'tenant-a',
      peerId: peer.id,
      subjectUserId: USER,
      status: 'pending',
      createdAt: NOW,
      activatedAt: null,
      revokedAt: null,
      expiresAt: new Date(NOW.getTime() + 86_400_000),
    });
    // parseScope filled the default: personal rows are visible unless the scope says otherwise.
    expect(grant.scope.filters?.['tasks']).toEqual({ include_teams: ['ops'], include_personal: true });
    expect(await store.getGrant(grant.id)).toEqual(grant);
    expect(await store.getPeer(peer.id)).toEqual(peer);
    expect(asked).toEqual([[USER, 'tenant-a']]);
  });

  it('without expiresAt the grant never expires (expiresAt null)', async () => {
    const { deps } = await setup();
    const { expiresAt: _, ...rest } = valid();
    const { grant } = await createGrant(rest, deps);
    expect(grant.expiresAt).toBeNull();
  });

  it('refuses a subject user outside the tenant with subject_not_in_tenant (403) and writes nothing', async () => {
    const { store, deps } = await setup({ 'tenant-a': [], 'tenant-b': [USER] });
    expect(await codeOf(createGrant(valid(), deps))).toMatchObject({
      code: 'subject_not_in_tenant',
      status: 403,
    });
    await nothingWritten(store);
  });

  it('a directory that answers anything but true refuses (fail closed)', async () => {
    const { store, deps } = await setup();
    const sloppy = { userBelongsToTenant: async () => 'yes' as unknown as boolean };
    const result = await codeOf(createGrant(valid(), { ...deps, directory: sloppy }));
    expect(result.code).toBe('subject_not_in_tenant');
    await nothingWritten(store);
  });

  it('a directory failure is directory_unavailable (503) and writes nothing', async () => {
    const { store, deps } = await setup();
    const broken: HostDirectory = {
      userBelongsToTenant: async () => {
        throw new Error('ldap down');
      },
    };
    expect(await codeOf(createGrant(valid(), { ...deps, directory: broken }))).toMatchObject({
      code: 'directory_unavailable',
      status: 503,
    });
    await nothingWritten(store);
  });

  it('an invalid scope is scope_invalid (400); the directory is not asked and nothing is written', async () => {
    const { store, deps, asked } = await setup();
    const result = await codeOf(
      createGrant(valid({ scope: { resources: ['credentials'], max_rows_per_query: 10 } }), deps),
    );
    expect(result).toMatchObject({ code: 'scope_invalid', status: 400 });
    expect(asked).toEqual([]);
    await nothingWritten(store);
  });

  it('rejects expiresAt in the past or exactly now, naming the field', async () => {
    const { store, deps } = await setup();
    for (const expiresAt of [new Date(NOW.getTime() - 1), new Date(NOW)]) {
      const result = await codeOf(createGrant(valid({ expiresAt }), deps));
      expect(result).toMatchObject({ code: 'grant_request_invalid', status: 400 });
      expect(result.details).toMatchObject({ issues: [{ path: 'expiresAt' }] });
    }
    await nothingWritten(store);
  });

  it('rejects an invalid Date as expiresAt', async () => {
    const { deps } = await setup();
    const result = await codeOf(createGrant(valid({ expiresAt: new Date(Number.NaN) }), deps));
    expect(result.details).toMatchObject({
      issues: [{ path: 'expiresAt', message: 'expected a valid Date or null' }],
    });
  });

  it.each([
    ['an upper-case UUID', USER.toUpperCase()],
    ['a non-UUID', 'alice'],
    ['a UUID with braces', `{${USER}}`],
  ])(
    'rejects %s as subjectUserId: the certificate carries only canonical lower-case UUIDs',
    async (_, subjectUserId) => {
      const { store, deps, asked } = await setup();
      const result = await codeOf(createGrant(valid({ subjectUserId }), deps));
      expect(result.details).toMatchObject({ issues: [{ path: 'subjectUserId' }] });
      expect(asked).toEqual([]);
      await nothingWritten(store);
    },
  );

  it.each([
    ['empty', ''],
    ['65 characters', 'x'.repeat(65)],
    ['a newline', 'gw\nforged log line'],
    ['a NUL byte', 'gw\u0000'],
  ])('rejects a peer name that is %s', async (_, peerName) => {
    const { deps } = await setup();
    const result = await codeOf(createGrant(valid({ peerName }), deps));
    expect(result.details).toMatchObject({ issues: [{ path: 'peerName' }] });
  });

  it('accepts a 64-character peer name with spaces and non-ASCII letters', async () => {
    const { deps } = await setup();
    const peerName = `Zoë’s gateway ${'x'.repeat(50)}`;
    expect(peerName).toHaveLength(64);
    const { peer } = await createGrant(valid({ peerName }), deps);
    expect(peer.name).toBe(peerName);
  });

  it('lists every malformed field at once', async () => {
    const { deps } = await setup();
    const result = await codeOf(
      createGrant(
        { tenantId: '', peerName: '', subjectUserId: 'x', scope: {}, expiresAt: new Date(0) },
        deps,
      ),
    );
    const paths = (result.details as { issues: { path: string }[] }).issues.map((i) => i.path);
    expect(paths).toEqual(['tenantId', 'peerName', 'subjectUserId', 'expiresAt']);
  });

  it('rejects a request that is not an object with grant_request_invalid, not a crash', async () => {
    const { deps } = await setup();
    expect((await codeOf(createGrant(null as unknown as CreateGrantInput, deps))).code).toBe(
      'grant_request_invalid',
    );
  });

  it('a store failure surfaces as the StoreError the store threw', async () => {
    const { store, deps } = await setup();
    const failing: FederationStore = {
      ...store,
      createGrant: async () => {
        throw new StoreError('createGrant failed: disk full');
      },
    };
    await expect(createGrant(valid(), { ...deps, store: failing })).rejects.toBeInstanceOf(StoreError);
    await nothingWritten(store);
  });

  it('the returned grant is not the object the store keeps', async () => {
    const { store, deps } = await setup();
    const { grant } = await createGrant(valid(), deps);
    grant.scope.resources.push('notes');
    expect((await store.getGrant(grant.id))?.scope.resources).toEqual(['tasks']);
  });
});
