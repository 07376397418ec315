import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DENY_STATUS, type DenyReason } from '../errors/deny-reasons.js';
import { StoreError } from '../errors/fedtrust-error.js';
import type { CertificateBinding, Grant, Peer } from '../grant/types.js';
import { identifyConnection } from '../oid/identify-connection.js';
import type { HostAuthorizer, RbacRequest } from '../ports/host.js';
import { defineResources } from '../scope/define-resources.js';
import { parseScope } from '../scope/parse-scope.js';
import { type Scope, VERBS, type Verb } from '../scope/types.js';
import {
  identityCertificate,
  identityKeyPair,
  scopeArbitrary,
  uuidArbitrary,
} from '../testing/arbitraries.js';
import { explainDecision } from './explain-decision.js';
import { guard } from './guard.js';
import type { ConnectionIdentity, GuardDeps, GuardInput, GuardStage } from './types.js';

const catalogue = defineResources({
  tasks: {},
  notes: {},
  wiki: {},
  calendar: {},
  credentials: { sensitive: true },
});
const NOW = new Date('2026-03-01T12:00:00.000Z');
const GRANT_ID = '0b7e6c2a-4f1d-4c3e-9a55-2d8f7e1c9b40';
const SUBJECT = 'f47ac10b-58cc-4372-a567-0e02b2c3d479';
const PEER_ID = '6f1c9a8e-2b3d-4e5f-8a7b-1c2d3e4f5a6b';
const SERIAL = '8f112233';

const SCOPE: Scope = parseScope(
  {
    resources: ['tasks', 'notes'],
    excluded_resources: ['wiki', 'credentials'],
    filters: { tasks: { include_teams: ['ops'], include_personal: false } },
    max_rows_per_query: 40,
    verbs: ['list', 'get'],
  },
  catalogue,
);

/** Only what the guard reads: three lookups over plain maps the test can change between calls. */
function world(scope: Scope = SCOPE) {
  const grants = new Map<string, Grant>();
  const peers = new Map<string, Peer>();
  const bindings = new Map<string, CertificateBinding>();
  grants.set(GRANT_ID, {
    id: GRANT_ID,
    tenantId: 'tenant-1',
    peerId: PEER_ID,
    subjectUserId: SUBJECT,
    scope,
    status: 'active',
    createdAt: new Date('2026-01-01T00:00:00Z'),
    activatedAt: new Date('2026-01-02T00:00:00Z'),
    revokedAt: null,
    expiresAt: null,
  });
  peers.set(PEER_ID, {
    id: PEER_ID,
    name: 'home-gateway',
    tenantId: 'tenant-1',
    status: 'active',
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-02T00:00:00Z'),
  });
  bindings.set(SERIAL, {
    serial: SERIAL,
    peerId: PEER_ID,
    grantId: GRANT_ID,
    notBefore: new Date('2026-01-02T00:00:00Z'),
    notAfter: new Date('2027-01-02T00:00:00Z'),
    revokedAt: null,
  });
  const rbacCalls: RbacRequest[] = [];
  let authorize: HostAuthorizer = (request) => {
    rbacCalls.push(request);
    return true;
  };
  const deps: GuardDeps = {
    store: {
      getGrant: async (id) => grants.get(id) ?? null,
      getPeer: async (id) => peers.get(id) ?? null,
      getCertificateBinding: async (serial) => bindings.get(serial) ?? null,
    },
    clock: { now: () => NOW },
    authorize: (request) => authorize(request),
  };
  return {
    grants,
    peers,
    bindings,
    rbacCalls,
    deps,
    grant: () => grants.get(GRANT_ID)!,
    setAuthorize(next: HostAuthorizer) {
      authorize = next;
    },
  };
}

let sharedKeys: Awaited<ReturnType<typeof identityKeyPair>> | undefined;
async function keysOnce() {
  sharedKeys ??= await identityKeyPair();
  return sharedKeys;
}

const connected: ConnectionIdentity = {
  ok: true,
  identity: { grantId: GRANT_ID, subjectUserId: SUBJECT },
  certSerial: SERIAL,
};
const request = (verb: Verb, resource?: string, id?: string): GuardInput => ({
  connection: connected,
  verb,
  ...(resource === undefined ? {} : { resource }),
  ...(id === undefined ? {} : { id }),
});

describe('guard allows', () => {
  it('a granted read with the row cap and filter, after asking the host as the subject user', async () => {
    const w = world();
    const decision = await guard(request('get', 'tasks', 'task-7'), w.deps);
    expect(decision).toEqual({
      allow: true,
      status: 200,
      grant: w.grant(),
      identity: connected.ok ? connected.identity : null,
      certSerial: SERIAL,
      verb: 'get',
      resource: 'tasks',
      rowCap: 40,
      filter: { include_teams: ['ops'], include_personal: false },
    });
    expect(w.rbacCalls).toEqual([
      { tenantId: 'tenant-1', subjectUserId: SUBJECT, verb: 'get', resource: 'tasks', id: 'task-7' },
    ]);
  });

  it('capabilities for an active grant without asking the host, with no rows', async () => {
    const w = world();
    w.setAuthorize(() => {
      throw new Error('RBAC must not be asked for capabilities');
    });
    const decision = await guard(request('capabilities'), w.deps);
    expect(decision).toMatchObject({
      allow: true,
      status: 200,
      verb: 'capabilities',
      resource: null,
      rowCap: 0,
    });
  });

  it('a grant whose expiry is still in the future', async () => {
    const w = world();
    w.grant().expiresAt = new Date(NOW.getTime() + 1);
    expect((await guard(request('list', 'notes'), w.deps)).allow).toBe(true);
  });
});

type Setup = (w: ReturnType<typeof world>) => void;
interface DenyCase {
  name: string;
  reason: DenyReason;
  stage: GuardStage;
  clause: string;
  input?: GuardInput;
  setup?: Setup;
}

const identityDeny = (
  reason: 'identity_missing' | 'identity_malformed' | 'identity_duplicate',
): GuardInput => ({
  connection: { ok: false, reason, certSerial: reason === 'identity_missing' ? null : SERIAL },
  verb: 'list',
  resource: 'tasks',
});

const denyCases: DenyCase[] = [
  {
    name: 'a connection without a client certificate',
    reason: 'identity_missing',
    stage: 'identity',
    clause: 'connection.reason=identity_missing',
    input: identityDeny('identity_missing'),
  },
  {
    name: 'a certificate with malformed identity extensions',
    reason: 'identity_malformed',
    stage: 'identity',
    clause: 'connection.reason=identity_malformed',
    input: identityDeny('identity_malformed'),
  },
  {
    name: 'a certificate with a duplicated identity extension',
    reason: 'identity_duplicate',
    stage: 'identity',
    clause: 'connection.reason=identity_duplicate',
    input: identityDeny('identity_duplicate'),
  },
  {
    name: 'a grant the store does not know',
    reason: 'grant_unknown',
    stage: 'grant',
    clause: `grant.id=${GRANT_ID}`,
    setup: (w) => w.grants.clear(),
  },
  {
    name: 'a pending grant',
    reason: 'grant_pending',
    stage: 'grant_status',
    clause: 'grant.status=pending',
    setup: (w) => {
      w.grant().status = 'pending';
    },
  },
  {
    name: 'a revoked grant',
    reason: 'grant_revoked',
    stage: 'grant_status',
    clause: 'grant.status=revoked',
    setup: (w) => {
      w.grant().status = 'revoked';
      w.grant().revokedAt = new Date('2026-02-01T00:00:00Z');
    },
  },
  {
    name: 'a grant expiring exactly now',
    reason: 'grant_expired',
    stage: 'grant_status',
    clause: `grant.expiresAt=${NOW.toISOString()}`,
    setup: (w) => {
      w.grant().expiresAt = new Date(NOW);
    },
  },
  {
    name: 'a certificate naming another subject than the grant',
    reason: 'subject_mismatch',
    stage: 'binding',
    clause: 'grant.subjectUserId=11111111-2222-4333-8444-555555555555',
    setup: (w) => {
      w.grant().subjectUserId = '11111111-2222-4333-8444-555555555555';
    },
  },
  {
    name: 'a suspended peer',
    reason: 'peer_suspended',
    stage: 'binding',
    clause: 'peer.status=suspended',
    setup: (w) => {
      w.peers.get(PEER_ID)!.status = 'suspended';
    },
  },
  {
    name: 'a revoked peer',
    reason: 'peer_revoked',
    stage: 'binding',
    clause: 'peer.status=revoked',
    setup: (w) => {
      w.peers.get(PEER_ID)!.status = 'revoked';
    },
  },
  {
    name: 'a peer that has not enrolled yet',
    reason: 'cert_not_bound',
    stage: 'binding',
    clause: 'peer.status=pending',
    setup: (w) => {
      w.peers.get(PEER_ID)!.status = 'pending';
    },
  },
  {
    name: 'a grant whose peer record is missing',
    reason: 'cert_not_bound',
    stage: 'binding',
    clause: `peer.id=${PEER_ID}`,
    setup: (w) => w.peers.clear(),
  },
  {
    name: 'a certificate no peer is bound to',
    reason: 'cert_not_bound',
    stage: 'binding',
    clause: `binding.serial=${SERIAL}`,
    setup: (w) => w.bindings.clear(),
  },
  {
    name: 'a bound certificate that was revoked',
    reason: 'cert_not_bound',
    stage: 'binding',
    clause: 'binding.revokedAt=2026-02-15T00:00:00.000Z',
    setup: (w) => {
      w.bindings.get(SERIAL)!.revokedAt = new Date('2026-02-15T00:00:00Z');
    },
  },
  {
    name: 'a certificate bound for another grant',
    reason: 'cert_not_bound',
    stage: 'binding',
    clause: 'binding.grantId=99999999-2222-4333-8444-555555555555',
    setup: (w) => {
      w.bindings.get(SERIAL)!.grantId = '99999999-2222-4333-8444-555555555555';
    },
  },
  {
    name: 'a certificate bound to another peer',
    reason: 'cert_not_bound',
    stage: 'binding',
    clause: 'binding.peerId=other-peer',
    setup: (w) => {
      w.bindings.get(SERIAL)!.peerId = 'other-peer';
    },
  },
  {
    name: 'a resource the scope does not grant',
    reason: 'resource_not_granted',
    stage: 'scope',
    clause: '/resources',
    input: request('list', 'calendar'),
  },
  {
    name: 'a resource the scope excludes',
    reason: 'resource_excluded',
    stage: 'scope',
    clause: '/excluded_resources/1',
    input: request('list', 'credentials'),
  },
  {
    name: 'a verb the scope does not allow',
    reason: 'verb_not_allowed',
    stage: 'scope',
    clause: '/verbs',
    input: request('search', 'tasks'),
  },
  {
    name: 'a read the host refuses the subject user',
    reason: 'rbac_denied',
    stage: 'rbac',
    clause: `authorize(${SUBJECT}, list, tasks)=false`,
    setup: (w) => w.setAuthorize(() => false),
  },
  {
    name: 'a host authorizer answering something other than true',
    reason: 'rbac_denied',
    stage: 'rbac',
    clause: `authorize(${SUBJECT}, list, tasks)=undefined`,
    setup: (w) => w.setAuthorize(() => undefined as unknown as boolean),
  },
  {
    name: 'a host authorizer answering a truthy non-boolean',
    reason: 'rbac_denied',
    stage: 'rbac',
    clause: `authorize(${SUBJECT}, list, tasks)=yes`,
    setup: (w) => w.setAuthorize(() => 'yes' as unknown as boolean),
  },
  {
    name: 'a host authorizer resolving to 1',
    reason: 'rbac_denied',
    stage: 'rbac',
    clause: `authorize(${SUBJECT}, list, tasks)=1`,
    setup: (w) => w.setAuthorize(async () => 1 as unknown as boolean),
  },
  {
    name: 'a store whose getGrant throws',
    reason: 'decision_failed',
    stage: 'grant',
    clause: 'error=store_error',
    setup: (w) => {
      w.deps.store.getGrant = async () => {
        throw new StoreError('connection refused');
      };
    },
  },
  {
    name: 'a store whose getPeer rejects',
    reason: 'decision_failed',
    stage: 'binding',
    clause: 'error=exception',
    setup: (w) => {
      w.deps.store.getPeer = () => Promise.reject(new Error('socket hang up'));
    },
  },
  {
    name: 'a store whose getCertificateBinding throws synchronously',
    reason: 'decision_failed',
    stage: 'binding',
    clause: 'error=exception',
    setup: (w) => {
      w.deps.store.getCertificateBinding = () => {
        throw new TypeError('driver bug');
      };
    },
  },
  {
    name: 'an authorizer that throws',
    reason: 'decision_failed',
    stage: 'rbac',
    clause: 'error=exception',
    setup: (w) =>
      w.setAuthorize(() => {
        throw new Error('directory offline');
      }),
  },
  {
    name: 'an authorizer that rejects',
    reason: 'decision_failed',
    stage: 'rbac',
    clause: 'error=exception',
    setup: (w) => w.setAuthorize(() => Promise.reject(new Error('timeout'))),
  },
  {
    name: 'a clock that throws',
    reason: 'decision_failed',
    stage: 'grant_status',
    clause: 'error=exception',
    setup: (w) => {
      w.deps.clock = {
        now: () => {
          throw new Error('no time');
        },
      };
    },
  },
  {
    name: 'a peer of another tenant than the grant',
    reason: 'cert_not_bound',
    stage: 'binding',
    clause: 'peer.tenantId=tenant-2',
    setup: (w) => {
      w.peers.get(PEER_ID)!.tenantId = 'tenant-2';
    },
  },
  {
    name: 'a bound certificate whose notAfter has passed while its connection stayed open',
    reason: 'cert_not_bound',
    stage: 'binding',
    clause: `binding.notAfter=${NOW.toISOString()}`,
    setup: (w) => {
      w.bindings.get(SERIAL)!.notAfter = new Date(NOW);
    },
  },
  {
    name: 'a stored grant whose expiresAt is an invalid date',
    reason: 'decision_failed',
    stage: 'grant_status',
    clause: 'error=store_error',
    setup: (w) => {
      w.grant().expiresAt = new Date('not a date');
    },
  },
  {
    name: 'a clock answering an invalid date',
    reason: 'decision_failed',
    stage: 'grant_status',
    clause: 'error=exception',
    setup: (w) => {
      w.grant().expiresAt = new Date('2020-01-01T00:00:00Z');
      w.deps.clock = { now: () => new Date(Number.NaN) };
    },
  },
  {
    name: 'a store answering getGrant with the record of another grant',
    reason: 'decision_failed',
    stage: 'grant',
    clause: 'error=store_error',
    setup: (w) => {
      const other = { ...w.grant(), id: '99999999-2222-4333-8444-555555555555' };
      w.grants.set(GRANT_ID, other);
      w.bindings.get(SERIAL)!.grantId = other.id;
    },
  },
  {
    name: 'a store answering getPeer with the record of another peer',
    reason: 'decision_failed',
    stage: 'binding',
    clause: 'error=store_error',
    setup: (w) => {
      w.peers.set(PEER_ID, { ...w.peers.get(PEER_ID)!, id: 'other-peer' });
    },
  },
  {
    name: 'a store answering getCertificateBinding with the binding of another serial',
    reason: 'decision_failed',
    stage: 'binding',
    clause: 'error=store_error',
    setup: (w) => {
      w.bindings.get(SERIAL)!.serial = 'abcdef';
    },
  },
  {
    name: 'a stored scope without max_rows_per_query',
    reason: 'decision_failed',
    stage: 'scope',
    clause: 'error=scope_invalid',
    setup: (w) => {
      w.grant().scope = { resources: ['tasks'] } as unknown as Scope;
    },
  },
  {
    name: 'a stored scope whose resources is a string',
    reason: 'decision_failed',
    stage: 'scope',
    clause: 'error=scope_invalid',
    setup: (w) => {
      w.grant().scope = { resources: 'tasks', max_rows_per_query: 5 } as unknown as Scope;
    },
  },
  {
    name: 'a stored grant with an unknown status',
    reason: 'decision_failed',
    stage: 'grant_status',
    clause: 'error=store_error',
    setup: (w) => {
      (w.grant() as { status: string }).status = 'paused';
    },
  },
];

describe('guard denies, with the status of its reason', () => {
  it.each(denyCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const w = world();
    c.setup?.(w);
    const input = c.input ?? request('list', 'tasks');
    const decision = await guard(input, w.deps);
    expect(decision).toEqual({
      allow: false,
      status: DENY_STATUS[c.reason],
      reason: c.reason,
      stage: c.stage,
      grantId: input.connection.ok ? GRANT_ID : null,
      subject: input.connection.ok ? SUBJECT : null,
      certSerial: input.connection.certSerial,
      verb: input.verb,
      resource: input.resource ?? null,
    });

    const explanation = await explainDecision(input, w.deps);
    expect(explanation.decision).toEqual(decision);
    const denied = explanation.stages.filter((s) => s.outcome === 'deny');
    expect(denied).toEqual([
      { stage: c.stage, outcome: 'deny', detail: expect.any(String), clause: c.clause },
    ]);
  });

  it('produces every deny reason of the pipeline except rate_limited, which the transport owns', () => {
    const produced = new Set(denyCases.map((c) => c.reason));
    const expected = Object.keys(DENY_STATUS).filter((reason) => reason !== 'rate_limited');
    expect([...produced].sort()).toEqual(expected.sort());
  });

  it('answers decision_failed with 503', async () => {
    const w = world();
    w.setAuthorize(() => {
      throw new Error('boom');
    });
    expect(await guard(request('list', 'tasks'), w.deps)).toMatchObject({
      status: 503,
      reason: 'decision_failed',
    });
  });
});

describe('guard reads grant and peer state on every call', () => {
  it('denies grant_revoked on the next call after revocation, although the scope was compiled before', async () => {
    const w = world();
    expect((await guard(request('list', 'tasks'), w.deps)).allow).toBe(true);
    w.grants.set(GRANT_ID, { ...w.grant(), status: 'revoked', revokedAt: NOW });
    expect(await guard(request('list', 'tasks'), w.deps)).toMatchObject({
      allow: false,
      reason: 'grant_revoked',
    });
  });

  it('denies peer_suspended on the next call after suspension and allows again after resuming', async () => {
    const w = world();
    expect((await guard(request('list', 'tasks'), w.deps)).allow).toBe(true);
    w.peers.get(PEER_ID)!.status = 'suspended';
    expect(await guard(request('list', 'tasks'), w.deps)).toMatchObject({ reason: 'peer_suspended' });
    w.peers.get(PEER_ID)!.status = 'active';
    expect((await guard(request('list', 'tasks'), w.deps)).allow).toBe(true);
  });

  it('keeps compiled scopes of different stores apart', async () => {
    const narrow = world(parseScope({ resources: ['notes'], max_rows_per_query: 5 }, catalogue));
    const wide = world();
    expect((await guard(request('list', 'tasks'), wide.deps)).allow).toBe(true);
    expect(await guard(request('list', 'tasks'), narrow.deps)).toMatchObject({
      reason: 'resource_not_granted',
    });
  });
});

describe('guard on a retiring certificate (revokedAt in the future)', () => {
  const RETIRES = new Date(NOW.getTime() + 300_000);

  /** A world whose binding retires at `RETIRES`, and a clock the test sets. */
  function retiring() {
    const w = world();
    w.bindings.get(SERIAL)!.revokedAt = RETIRES;
    let now = NOW;
    w.deps.clock = { now: () => now };
    return {
      w,
      setNow(next: Date) {
        now = next;
      },
    };
  }

  it('allows a binding retiring in the future until that instant, and denies cert_not_bound from it on', async () => {
    const { w, setNow } = retiring();
    expect((await guard(request('list', 'tasks'), w.deps)).allow).toBe(true);
    setNow(new Date(RETIRES.getTime() - 1));
    expect((await guard(request('list', 'tasks'), w.deps)).allow).toBe(true);
    setNow(RETIRES);
    expect(await guard(request('list', 'tasks'), w.deps)).toMatchObject({
      allow: false,
      status: 403,
      reason: 'cert_not_bound',
      stage: 'binding',
    });
    setNow(new Date(RETIRES.getTime() + 86_400_000));
    expect(await guard(request('list', 'tasks'), w.deps)).toMatchObject({ reason: 'cert_not_bound' });
  });

  it('explainDecision reaches the same verdict on both sides of the instant, naming binding.revokedAt once it passed', async () => {
    const { w, setNow } = retiring();
    const before = await explainDecision(request('list', 'tasks'), w.deps);
    expect(before.decision).toEqual(await guard(request('list', 'tasks'), w.deps));
    expect(before.stages.find((s) => s.stage === 'binding')?.outcome).toBe('pass');
    setNow(RETIRES);
    const after = await explainDecision(request('list', 'tasks'), w.deps);
    expect(after.decision).toEqual(await guard(request('list', 'tasks'), w.deps));
    expect(after.stages.find((s) => s.stage === 'binding')).toMatchObject({
      outcome: 'deny',
      clause: `binding.revokedAt=${RETIRES.toISOString()}`,
    });
  });

  it.each([
    ['an invalid date', new Date(Number.NaN)],
    ['a string', '2999-01-01T00:00:00Z'],
  ])(
    'denies cert_not_bound in guard and explainDecision alike for a binding whose revokedAt is %s',
    async (_name, revokedAt) => {
      const w = world();
      (w.bindings.get(SERIAL) as { revokedAt: unknown }).revokedAt = revokedAt;
      const decision = await guard(request('list', 'tasks'), w.deps);
      expect(decision).toMatchObject({ allow: false, reason: 'cert_not_bound', stage: 'binding' });
      expect((await explainDecision(request('list', 'tasks'), w.deps)).decision).toEqual(decision);
    },
  );
});

describe('guard on connections identified from real certificates', () => {
  const identity = { grantId: GRANT_ID, subjectUserId: SUBJECT };

  it.each([
    ['identity_missing', { omit: 'subjectUserId' as const }],
    ['identity_duplicate', { duplicate: 'grantId' as const }],
    ['identity_malformed', { printableString: 'grantId' as const }],
  ])('denies %s (401) for a certificate built to carry it', async (reason, options) => {
    const { der } = await identityCertificate({
      identity,
      keys: await keysOnce(),
      serialNumber: SERIAL,
      ...options,
    });
    const decision = await guard(
      { connection: identifyConnection(der), verb: 'list', resource: 'tasks' },
      world().deps,
    );
    expect(decision).toMatchObject({
      allow: false,
      status: 401,
      reason,
      stage: 'identity',
      certSerial: SERIAL,
    });
  });

  it('allows the certificate of the bound serial, and denies cert_not_bound for the same identity under another serial', async () => {
    const w = world();
    const bound = await identityCertificate({ identity, keys: await keysOnce(), serialNumber: SERIAL });
    const other = await identityCertificate({ identity, keys: await keysOnce(), serialNumber: '8f112234' });
    const read = (der: Uint8Array) =>
      guard({ connection: identifyConnection(der), verb: 'list', resource: 'tasks' }, w.deps);
    expect((await read(bound.der)).allow).toBe(true);
    expect(await read(other.der)).toMatchObject({ allow: false, reason: 'cert_not_bound' });
  });
});

describe('guard treats stored records as untrusted', () => {
  it.each([
    ['an invalid date', new Date(Number.NaN)],
    ['a string', '2026-02-01T00:00:00Z'],
  ])(
    'denies grant_revoked in guard and explainDecision alike for a revoked grant whose revokedAt is %s',
    async (_name, revokedAt) => {
      const w = world();
      w.grant().status = 'revoked';
      (w.grant() as { revokedAt: unknown }).revokedAt = revokedAt;
      const decision = await guard(request('list', 'tasks'), w.deps);
      expect(decision).toMatchObject({ allow: false, reason: 'grant_revoked' });
      expect((await explainDecision(request('list', 'tasks'), w.deps)).decision).toEqual(decision);
    },
  );

  it.each([
    ['max_rows_per_query above 10000', { resources: ['tasks'], max_rows_per_query: 1_000_000 }],
    [
      'a filter that is not an object',
      { resources: ['tasks'], max_rows_per_query: 5, filters: { tasks: 'all' } },
    ],
    [
      'a verb outside list, get and search',
      { resources: ['tasks'], max_rows_per_query: 5, verbs: ['list', 'delete'] },
    ],
    [
      'a resource both granted and excluded',
      { resources: ['tasks'], excluded_resources: ['tasks'], max_rows_per_query: 5 },
    ],
  ])('never allows through a stored scope with %s (decision_failed)', async (_name, scope) => {
    const w = world(scope as unknown as Scope);
    const decision = await guard(request('list', 'tasks'), w.deps);
    expect(decision).toMatchObject({ allow: false, reason: 'decision_failed', stage: 'scope' });
    expect((await explainDecision(request('list', 'tasks'), w.deps)).decision).toEqual(decision);
  });
});

describe('explainDecision', () => {
  it('reports every stage as pass for an allow, with the row cap in the last one', async () => {
    const w = world();
    const { decision, stages } = await explainDecision(request('list', 'tasks'), w.deps);
    expect(decision.allow).toBe(true);
    expect(stages.map((s) => [s.stage, s.outcome])).toEqual([
      ['identity', 'pass'],
      ['grant', 'pass'],
      ['grant_status', 'pass'],
      ['binding', 'pass'],
      ['scope', 'pass'],
      ['rbac', 'pass'],
      ['row_cap', 'pass'],
    ]);
    expect(stages.at(-1)?.detail).toContain('at most 40 rows');
    expect(stages.some((s) => 'clause' in s)).toBe(false);
  });

  it('marks the stages after a deny as not reached', async () => {
    const w = world();
    const { stages } = await explainDecision(request('list', 'wiki'), w.deps);
    expect(stages.map((s) => [s.stage, s.outcome])).toEqual([
      ['identity', 'pass'],
      ['grant', 'pass'],
      ['grant_status', 'pass'],
      ['binding', 'pass'],
      ['scope', 'deny'],
      ['rbac', 'not_reached'],
      ['row_cap', 'not_reached'],
    ]);
    expect(stages[4]?.clause).toBe('/excluded_resources/0');
    expect(stages[5]?.detail).toBe('not reached: denied at scope');
  });
});

/** A healthy grant most of the time, otherwise exactly one thing wrong with it. */
const FAULTS = [
  'grant_unknown',
  'grant_pending',
  'grant_revoked',
  'expired',
  'expires_later',
  'subject',
  'peer_pending',
  'peer_suspended',
  'peer_revoked',
  'peer_missing',
  'binding_missing',
  'binding_revoked',
  'binding_other_grant',
  'binding_expired',
  'peer_other_tenant',
  'expires_invalid',
  'revoked_at_invalid',
  'grant_other_id',
  'rbac_deny',
  'rbac_throw',
  'getGrant',
  'getPeer',
  'getCertificateBinding',
] as const;
const faultArbitrary = fc.oneof(
  { weight: 3, arbitrary: fc.constant('none' as const) },
  { weight: 2, arbitrary: fc.constantFrom(...FAULTS) },
);
type Fault = (typeof FAULTS)[number] | 'none';

function applyFault(w: ReturnType<typeof world>, fault: Fault): void {
  const grant = w.grant();
  switch (fault) {
    case 'none':
      return;
    case 'grant_unknown':
      w.grants.clear();
      return;
    case 'grant_pending':
    case 'grant_revoked':
      grant.status = fault === 'grant_pending' ? 'pending' : 'revoked';
      return;
    case 'expired':
    case 'expires_later':
      grant.expiresAt = new Date(NOW.getTime() + (fault === 'expired' ? -1 : 1));
      return;
    case 'subject':
      grant.subjectUserId = '11111111-2222-4333-8444-555555555555';
      return;
    case 'peer_pending':
    case 'peer_suspended':
    case 'peer_revoked':
      w.peers.get(PEER_ID)!.status =
        fault === 'peer_pending' ? 'pending' : fault === 'peer_suspended' ? 'suspended' : 'revoked';
      return;
    case 'peer_missing':
      w.peers.clear();
      return;
    case 'binding_missing':
      w.bindings.clear();
      return;
    case 'binding_revoked':
      w.bindings.get(SERIAL)!.revokedAt = NOW;
      return;
    case 'binding_other_grant':
      w.bindings.get(SERIAL)!.grantId = 'another';
      return;
    case 'binding_expired':
      w.bindings.get(SERIAL)!.notAfter = new Date(NOW.getTime() - 1);
      return;
    case 'peer_other_tenant':
      w.peers.get(PEER_ID)!.tenantId = 'tenant-2';
      return;
    case 'expires_invalid':
      grant.expiresAt = new Date(Number.NaN);
      return;
    case 'revoked_at_invalid':
      grant.status = 'revoked';
      grant.revokedAt = new Date(Number.NaN);
      return;
    case 'grant_other_id':
      w.grants.set(GRANT_ID, { ...grant, id: 'another' });
      w.bindings.get(SERIAL)!.grantId = 'another';
      return;
    case 'rbac_deny':
      w.setAuthorize(() => false);
      return;
    case 'rbac_throw':
      w.setAuthorize(() => {
        throw new Error('rbac offline');
      });
      return;
    default:
      w.deps.store[fault] = async () => {
        throw new StoreError('down');
      };
  }
}
const connectionArbitrary: fc.Arbitrary<ConnectionIdentity> = fc.oneof(
  { weight: 5, arbitrary: fc.constant(connected) },
  {
    weight: 1,
    arbitrary: fc.record({
      ok: fc.constant(true as const),
      identity: fc.record({ grantId: uuidArbitrary(), subjectUserId: fc.constant(SUBJECT) }),
      certSerial: fc.constant(SERIAL),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      ok: fc.constant(false as const),
      reason: fc.constantFrom(
        'identity_missing' as const,
        'identity_malformed' as const,
        'identity_duplicate' as const,
      ),
      certSerial: fc.option(fc.constant(SERIAL), { nil: null }),
    }),
  },
);

describe('explainDecision properties', () => {
  it("explainDecision's decision always equals guard's decision for generated scopes, requests and store states", async () => {
    await fc.assert(
      fc.asyncProperty(
        scopeArbitrary(catalogue),
        faultArbitrary,
        connectionArbitrary,
        fc.constantFrom(...VERBS),
        fc.option(fc.constantFrom(...catalogue.names, 'payroll'), { nil: undefined, freq: 10 }),
        async (scope, fault, connection, verb, resource) => {
          const w = world(scope);
          applyFault(w, fault);
          const input: GuardInput = { connection, verb, ...(resource === undefined ? {} : { resource }) };
          const decision = await guard(input, w.deps);
          const explanation = await explainDecision(input, w.deps);
          expect(explanation.decision).toEqual(decision);
          expect(explanation.stages.map((s) => s.stage)).toEqual([
            'identity',
            'grant',
            'grant_status',
            'binding',
            'scope',
            'rbac',
            'row_cap',
          ]);
          const denies = explanation.stages.filter((s) => s.outcome === 'deny');
          if (decision.allow) {
            expect(denies).toEqual([]);
            expect(decision.rowCap).toBeLessThanOrEqual(scope.max_rows_per_query);
          } else {
            expect(denies.map((s) => s.stage)).toEqual([decision.stage]);
            expect(decision.status).toBe(DENY_STATUS[decision.reason]);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
