import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashToken } from '../enrollment/hash-token.js';
import { SessionRegistry } from '../registry/session-registry.js';
import { memoryStore } from '../testing/memory-store.js';
import { countingRandom, faultyStore, manualClock } from './admission.fixtures.js';
import { type ConnectDeps, connectProvider } from './connect-provider.js';

function setup() {
  const inner = memoryStore();
  const faulty = faultyStore(inner);
  const registry = new SessionRegistry();
  const deps: ConnectDeps = {
    store: faulty.store,
    registry,
    requireProviderTokens: false,
    clock: manualClock(),
    random: countingRandom(),
  };
  return { inner, plan: faulty.plan, registry, deps };
}

describe('connectProvider', () => {
  it('admits, registers with the given capacity and returns the minted token once', async () => {
    const { deps, registry } = setup();
    const outcome = await connectProvider({ providerId: 'p', connectionId: 'c1', capacity: 4 }, deps);
    expect(outcome).toMatchObject({
      accepted: true,
      decision: { authState: 'self_minted', event: 'minted', token: expect.stringMatching(/^ftp_/) },
      session: { providerId: 'p', connectionId: 'c1', capacity: 4, inFlight: 0, authState: 'self_minted' },
    });
    expect(registry.snapshot()[0]?.tokenPrefix).toHaveLength(8);
  });

  it('refuses a tokenless connection for a provider a routable session holds without calling the store', async () => {
    const { deps, plan } = setup();
    await connectProvider({ providerId: 'p', connectionId: 'c1' }, deps);
    plan.calls.length = 0;
    expect(await connectProvider({ providerId: 'p', connectionId: 'c2' }, deps)).toEqual({
      accepted: false,
      refusal: 'live_session_protected',
    });
    expect(plan.calls).toEqual([]);
  });

  it('registers nothing when admission rejects, and a store error never registers', async () => {
    const { deps, plan, registry } = setup();
    expect(
      await connectProvider({ providerId: 'p', connectionId: 'c1', bearer: 'ftp_nope' }, deps),
    ).toMatchObject({
      accepted: false,
      decision: { reject: { code: 'invalid_token' } },
    });
    plan.down = true;
    expect(await connectProvider({ providerId: 'p', connectionId: 'c2' }, deps)).toMatchObject({
      accepted: false,
      decision: { reject: { code: 'store_error' } },
    });
    expect(registry.size).toBe(0);
  });

  it('lets a bearer_validated connection evict the holder and reports the evicted connection', async () => {
    const { deps, registry } = setup();
    const first = await connectProvider({ providerId: 'p', connectionId: 'c1' }, deps);
    const token = first.accepted ? (first.decision.token as string) : '';
    const second = await connectProvider({ providerId: 'p', connectionId: 'c2', bearer: token }, deps);
    expect(second).toMatchObject({
      accepted: true,
      evicted: { connectionId: 'c1', authState: 'self_minted' },
    });
    expect(registry.get('p')?.connectionId).toBe('c2');
  });

  it('registers a race-loss duplicate into an empty slot, quarantined, without a token and not eligible', async () => {
    const inner = memoryStore();
    const registry = new SessionRegistry();
    const base = { registry, requireProviderTokens: false, clock: manualClock(), random: countingRandom() };
    // Another coordinator replica mints for the same provider between this one's read and its issue.
    const { store } = faultyStore(inner, {
      before: async (operation) => {
        if (operation === 'issue') {
          await connectProvider(
            { providerId: 'p', connectionId: 'elsewhere' },
            { ...base, store: inner, registry: new SessionRegistry() },
          );
        }
      },
    });
    const outcome = await connectProvider({ providerId: 'p', connectionId: 'c2' }, { ...base, store });
    expect(outcome).toMatchObject({
      accepted: true,
      decision: { authState: 'bearerless_duplicate', event: 'race_loss_admit_quarantined' },
    });
    expect(outcome.decision).not.toHaveProperty('token');
    expect(registry.snapshot()).toEqual([
      expect.objectContaining({ connectionId: 'c2', authState: 'bearerless_duplicate', eligible: false }),
    ]);
    expect(registry.eligible()).toEqual([]);
  });

  it("refuses a tokenless connection that reuses the live holder's connection id before admission, so the holder's token stays active", async () => {
    const { deps, plan, inner, registry } = setup();
    const first = await connectProvider({ providerId: 'p', connectionId: 'c1' }, deps);
    const token = first.accepted ? (first.decision.token as string) : '';
    plan.calls.length = 0;
    expect(await connectProvider({ providerId: 'p', connectionId: 'c1' }, deps)).toEqual({
      accepted: false,
      refusal: 'live_session_protected',
    });
    expect(plan.calls).toEqual([]);
    const active = (await inner.listProviderTokens({ providerId: 'p' })).filter((t) => t.revokedAt === null);
    expect(active.map((t) => t.tokenHash)).toEqual([hashToken(token)]);
    expect(registry.get('p')).toMatchObject({ connectionId: 'c1', authState: 'self_minted' });
  });

  it('ignores auth state, prefix and load fields a client smuggles into the request: only admission decides them', async () => {
    const { deps, registry } = setup();
    const smuggled = { authState: 'bearer_validated', tokenPrefix: 'ftp_fake', inFlight: -5 };
    const first = await connectProvider({ providerId: 'p', connectionId: 'c1', ...smuggled } as never, deps);
    expect(first).toMatchObject({ accepted: true, session: { authState: 'self_minted', inFlight: 0 } });
    expect(registry.get('p')?.tokenPrefix).not.toBe('ftp_fake');
    expect(
      await connectProvider({ providerId: 'p', connectionId: 'imp', ...smuggled } as never, deps),
    ).toEqual({ accepted: false, refusal: 'live_session_protected' });
    expect(registry.get('p')?.connectionId).toBe('c1');
  });

  it.each([
    ['a fractional capacity', { capacity: 1.5 }],
    ['a negative capacity', { capacity: -1 }],
    ['an empty connection id', { connectionId: '' }],
  ])('refuses %s with session_invalid before admission touches the store', async (_label, bad) => {
    const { deps, plan, inner, registry } = setup();
    await expect(
      connectProvider({ providerId: 'p', connectionId: 'c1', ...bad }, deps),
    ).rejects.toMatchObject({ code: 'session_invalid', status: 400 });
    expect(plan.calls).toEqual([]);
    expect(await inner.listProviderTokens()).toEqual([]);
    expect(registry.size).toBe(0);
  });

  it('property: tokenless connects racing for one provider id under any store interleaving leave the registered holder with the one active token it was given', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 2, max: 4 }), async (s, racers) => {
        const inner = memoryStore();
        const { store } = faultyStore(inner, {
          before: (operation) => s.schedule(Promise.resolve(), operation),
        });
        const registry = new SessionRegistry();
        const deps: ConnectDeps = {
          store,
          registry,
          requireProviderTokens: false,
          clock: manualClock(),
          random: countingRandom(),
        };
        const outcomes = await s.waitFor(
          Promise.all(
            Array.from({ length: racers }, (_, i) =>
              connectProvider({ providerId: 'p', connectionId: `c${i}` }, deps),
            ),
          ),
        );
        const holder = registry.get('p');
        const winners = outcomes.filter((o) => o.accepted && o.session.authState === 'self_minted');
        expect(winners).toHaveLength(1);
        expect(holder?.connectionId).toBe(winners[0]?.accepted ? winners[0].session.connectionId : null);
        const given = winners[0]?.accepted ? (winners[0].decision.token as string) : '';
        const active = (await inner.listProviderTokens({ providerId: 'p' })).filter(
          (t) => t.revokedAt === null,
        );
        expect(active.map((t) => t.tokenHash)).toEqual([hashToken(given)]);
      }),
      { numRuns: 300 },
    );
  });
});
