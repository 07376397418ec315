import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFedtrustError } from '../errors/fedtrust-error.js';
import type { FederationStore } from '../ports/store.js';
import { manualClock } from '../testing/memory/manual-clock.js';
import { memoryStore } from '../testing/memory-store.js';
import { activateGrant } from './activate-grant.js';
import { activatePeer } from './activate-peer.js';
import type { LifecycleDeps } from './deps.js';
import { GrantNotFoundError, PeerNotFoundError, TransitionError } from './errors.js';
import { resumePeer } from './resume-peer.js';
import { revokeGrant } from './revoke-grant.js';
import { revokePeer } from './revoke-peer.js';
import { suspendPeer } from './suspend-peer.js';
import { GRANT_OPERATIONS, PEER_OPERATIONS } from './transitions.js';
import type { Grant, Peer, PeerStatus, StoredGrantStatus } from './types.js';

const T0 = new Date('2030-01-01T00:00:00.000Z');
const UNKNOWN = '99999999-0000-4000-8000-000000000000';

async function seeded(grantOverrides: Partial<Grant> = {}, peerStatus: PeerStatus = 'pending') {
  const store = memoryStore();
  const clock = manualClock(T0);
  const peer: Peer = {
    id: '00000000-0000-4000-8000-0000000000a1',
    name: 'gw',
    tenantId: 't',
    status: peerStatus,
    createdAt: T0,
    updatedAt: T0,
  };
  const grant: Grant = {
    id: '00000000-0000-4000-8000-0000000000b1',
    tenantId: 't',
    peerId: peer.id,
    subjectUserId: '00000000-0000-4000-8000-0000000000c1',
    scope: { resources: ['tasks'], max_rows_per_query: 10 },
    status: 'pending',
    createdAt: T0,
    activatedAt: null,
    revokedAt: null,
    expiresAt: null,
    ...grantOverrides,
  };
  await store.createGrant(grant, peer);
  const deps: LifecycleDeps = { store, clock };
  return { store, clock, deps, grant, peer };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('grant operations', () => {
  it('activateGrant moves pending → active and stamps activatedAt with the clock', async () => {
    const { deps, clock, grant, store } = await seeded();
    clock.advance(1_500);
    const active = await activateGrant(grant.id, deps);
    expect(active).toMatchObject({
      status: 'active',
      activatedAt: new Date(T0.getTime() + 1_500),
      revokedAt: null,
    });
    expect(await store.getGrant(grant.id)).toEqual(active);
  });

  it('activating twice is illegal_transition (409) from active, with a remediation', async () => {
    const { deps, grant } = await seeded();
    await activateGrant(grant.id, deps);
    const error = await rejection(activateGrant(grant.id, deps));
    expect(error).toBeInstanceOf(TransitionError);
    expect(error).toMatchObject({ code: 'illegal_transition', status: 409, from: 'active', to: 'active' });
    expect((error as TransitionError).remediation).toMatch(/current status \(active\)/);
  });

  it('activating a pending grant past its expiry is illegal_transition from expired and changes nothing', async () => {
    const { deps, clock, grant, store } = await seeded({ expiresAt: new Date(T0.getTime() + 1_000) });
    clock.advance(1_000);
    const error = await rejection(activateGrant(grant.id, deps));
    expect(error).toMatchObject({ code: 'illegal_transition', from: 'expired', to: 'active' });
    expect((error as TransitionError).remediation).toMatch(/expired, which is final; create a new grant/);
    expect((await store.getGrant(grant.id))?.status).toBe('pending');
  });

  it('revokeGrant works from pending and from active, then is final', async () => {
    for (const activateFirst of [false, true]) {
      const { deps, grant, clock } = await seeded();
      if (activateFirst) await activateGrant(grant.id, deps);
      clock.advance(5);
      const revoked = await revokeGrant(grant.id, deps);
      expect(revoked.grant).toMatchObject({ status: 'revoked', revokedAt: new Date(T0.getTime() + 5) });
      expect(await rejection(revokeGrant(grant.id, deps))).toMatchObject({
        code: 'illegal_transition',
        from: 'revoked',
      });
      expect(await rejection(activateGrant(grant.id, deps))).toMatchObject({
        code: 'illegal_transition',
        from: 'revoked',
      });
    }
  });

  it('an expired grant can still be revoked, recording the operator’s act', async () => {
    const { deps, clock, grant } = await seeded({ expiresAt: new Date(T0.getTime() + 10) });
    clock.advance(100);
    expect((await revokeGrant(grant.id, deps)).grant.status).toBe('revoked');
  });

  it('unknown grant ids are grant_not_found (404) for every grant operation', async () => {
    const { deps } = await seeded();
    for (const op of [activateGrant, revokeGrant]) {
      const error = await rejection(op(UNKNOWN, deps));
      expect(error).toBeInstanceOf(GrantNotFoundError);
      expect(error).toMatchObject({ code: 'grant_not_found', status: 404 });
    }
  });

  it('16 racing activations: exactly one succeeds, every other is an illegal_transition, never a silent no-op', async () => {
    const { deps, grant } = await seeded();
    const results = await Promise.allSettled(Array.from({ length: 16 }, () => activateGrant(grant.id, deps)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(losers).toHaveLength(15);
    for (const l of losers) expect(l.reason).toMatchObject({ code: 'illegal_transition', from: 'active' });
  });

  it('a racer that loses to a concurrent change it could not see is told so (details.concurrent)', async () => {
    const { deps, grant, store } = await seeded();
    // The store reports the conditional update as lost, yet a re-read still shows a legal source
    // state: another operator moved the record away and back in between.
    const flappy: FederationStore = { ...store, transitionGrant: async () => null };
    const error = await rejection(revokeGrant(grant.id, { ...deps, store: flappy }));
    expect(error).toMatchObject({ code: 'illegal_transition', details: { concurrent: true } });
    expect((error as Error).message).toMatch(/changed concurrently/);
  });
});

describe('peer operations', () => {
  it('activate → suspend → resume → revoke, each stamping updatedAt', async () => {
    const { deps, clock, peer, store } = await seeded();
    const steps: Array<[(id: string, d: LifecycleDeps) => Promise<Peer>, PeerStatus]> = [
      [activatePeer, 'active'],
      [suspendPeer, 'suspended'],
      [resumePeer, 'active'],
      [async (id, d) => (await revokePeer(id, d)).peer, 'revoked'],
    ];
    for (const [op, status] of steps) {
      clock.advance(1_000);
      const moved = await op(peer.id, deps);
      expect(moved).toMatchObject({ status, updatedAt: clock.now(), createdAt: T0 });
      expect(await store.getPeer(peer.id)).toEqual(moved);
    }
  });

  it('resumePeer never activates a pending peer, and activatePeer never resumes a suspended one', async () => {
    const pending = await seeded();
    expect(await rejection(resumePeer(pending.peer.id, pending.deps))).toMatchObject({
      code: 'illegal_transition',
      from: 'pending',
      to: 'active',
    });
    expect((await pending.store.getPeer(pending.peer.id))?.status).toBe('pending');

    const suspended = await seeded({}, 'suspended');
    expect(await rejection(activatePeer(suspended.peer.id, suspended.deps))).toMatchObject({
      code: 'illegal_transition',
      from: 'suspended',
    });
    expect((await suspended.store.getPeer(suspended.peer.id))?.status).toBe('suspended');
  });

  it('only an active peer can be suspended', async () => {
    for (const status of ['pending', 'suspended', 'revoked'] as const) {
      const { deps, peer } = await seeded({}, status);
      expect(await rejection(suspendPeer(peer.id, deps))).toMatchObject({
        code: 'illegal_transition',
        from: status,
      });
    }
  });

  it('a peer can be revoked from pending, active and suspended, and never moves again', async () => {
    for (const status of ['pending', 'active', 'suspended'] as const) {
      const { deps, peer } = await seeded({}, status);
      expect((await revokePeer(peer.id, deps)).peer.status).toBe('revoked');
      for (const op of [activatePeer, suspendPeer, resumePeer, revokePeer]) {
        expect(await rejection(op(peer.id, deps))).toMatchObject({
          code: 'illegal_transition',
          from: 'revoked',
        });
      }
    }
  });

  it('unknown peer ids are peer_not_found (404) for every peer operation', async () => {
    const { deps } = await seeded();
    for (const op of [activatePeer, suspendPeer, resumePeer, revokePeer]) {
      const error = await rejection(op(UNKNOWN, deps));
      expect(error).toBeInstanceOf(PeerNotFoundError);
      expect(error).toMatchObject({ code: 'peer_not_found', status: 404 });
    }
  });

  it('16 racing suspensions of an active peer: exactly one succeeds', async () => {
    const { deps, peer } = await seeded({}, 'active');
    const results = await Promise.allSettled(Array.from({ length: 16 }, () => suspendPeer(peer.id, deps)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected')
        expect(isFedtrustError(r.reason) && r.reason.code).toBe('illegal_transition');
    }
  });
});

type Op =
  | { kind: 'grant'; name: keyof typeof GRANT_OPERATIONS }
  | { kind: 'peer'; name: keyof typeof PEER_OPERATIONS };

const GRANT_FNS = { activate: activateGrant, revoke: revokeGrant };
const PEER_FNS = { activate: activatePeer, suspend: suspendPeer, resume: resumePeer, revoke: revokePeer };

describe('lifecycle model', () => {
  it('property: under any sequence of operations, an operation succeeds iff its table row allows the current state, and the store always equals the model', async () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.constantFrom('activate', 'revoke').map((name) => ({ kind: 'grant' as const, name })),
      fc
        .constantFrom('activate', 'suspend', 'resume', 'revoke')
        .map((name) => ({ kind: 'peer' as const, name })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 12 }), async (ops) => {
        const { deps, grant, peer, store } = await seeded();
        let grantState: StoredGrantStatus = 'pending';
        let peerState: PeerStatus = 'pending';
        for (const step of ops) {
          const table =
            step.kind === 'grant' ? GRANT_OPERATIONS[step.name as 'activate'] : PEER_OPERATIONS[step.name];
          const current = step.kind === 'grant' ? grantState : peerState;
          const allowed = (table.from as readonly string[]).includes(current);
          const run =
            step.kind === 'grant' ? GRANT_FNS[step.name](grant.id, deps) : PEER_FNS[step.name](peer.id, deps);
          const outcome = await run.then(
            () => 'ok' as const,
            (error: unknown) => error,
          );
          if (allowed) {
            expect(outcome).toBe('ok');
            if (step.kind === 'grant') grantState = table.to as StoredGrantStatus;
            else peerState = table.to as PeerStatus;
          } else {
            expect(outcome).toBeInstanceOf(TransitionError);
            expect(outcome).toMatchObject({ from: current, to: table.to });
          }
          expect((await store.getGrant(grant.id))?.status).toBe(grantState);
          expect((await store.getPeer(peer.id))?.status).toBe(peerState);
        }
      }),
      { numRuns: 200 },
    );
  });
});
