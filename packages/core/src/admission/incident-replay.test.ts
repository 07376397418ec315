import { describe, expect, it } from 'vitest';
import { hashToken } from '../enrollment/hash-token.js';
import { SessionRegistry } from '../registry/session-registry.js';
import { memoryStore } from '../testing/memory-store.js';
import { countingRandom, faultyStore, manualClock, recordingSink } from './admission.fixtures.js';
import { admitProvider } from './admit-provider.js';
import { type ConnectDeps, type ConnectOutcome, connectProvider } from './connect-provider.js';

const accepted = (outcome: ConnectOutcome) => {
  if (!outcome.accepted)
    throw new Error(`expected the connection to be accepted, got ${JSON.stringify(outcome)}`);
  return outcome;
};

describe('incident replay', () => {
  it('incident replay: after a coordinator restart, token-dropping clients are minted and self-healed, and an impostor never takes a live slot nor becomes routable', async () => {
    const store = memoryStore();
    const clock = manualClock();
    const sink = recordingSink();
    const random = countingRandom();
    // Sessions live in memory; the restart loses them and keeps the store.
    let registry = new SessionRegistry();
    const deps = (): ConnectDeps => ({
      store,
      registry,
      requireProviderTokens: false,
      clock,
      random,
      onEvent: sink,
    });
    registry = new SessionRegistry();

    // Two old clients reconnect tokenless after the restart; each is minted a token it drops.
    const a1 = accepted(await connectProvider({ providerId: 'old-a', connectionId: 'a1' }, deps()));
    const b1 = accepted(await connectProvider({ providerId: 'old-b', connectionId: 'b1' }, deps()));
    expect([a1.decision.event, b1.decision.event]).toEqual(['minted', 'minted']);
    expect([a1.session.authState, b1.session.authState]).toEqual(['self_minted', 'self_minted']);
    expect(a1.decision.token).toMatch(/^ftp_/);

    // A network blip: old-a's socket drops and it reconnects tokenless. It is self-healed, not rejected.
    expect(registry.unregister('old-a', 'a1')).toBe(true);
    clock.advance(30_000);
    const a2 = accepted(await connectProvider({ providerId: 'old-a', connectionId: 'a2' }, deps()));
    expect(a2.decision).toMatchObject({ admit: true, authState: 'self_minted', event: 'self_heal' });
    expect(registry.eligible().map((s) => s.connectionId)).toEqual(['a2', 'b1']);
    const oldA = (await store.listProviderTokens({ providerId: 'old-a' })).filter(
      (t) => t.revokedAt === null,
    );
    expect(oldA).toHaveLength(1);

    // A victim that keeps its token connects tokenless and is minted one.
    const v1 = accepted(await connectProvider({ providerId: 'victim', connectionId: 'v1' }, deps()));
    const victimToken = v1.decision.token as string;
    expect(v1.decision.event).toBe('minted');

    // An impostor claims the victim's id tokenless while the victim is live and has not yet used its bearer.
    const before = await store.listProviderTokens({ providerId: 'victim' });
    const i1 = await connectProvider({ providerId: 'victim', connectionId: 'i1' }, deps());
    expect(i1).toEqual({ accepted: false, refusal: 'live_session_protected' });
    expect(registry.get('victim')).toMatchObject({ connectionId: 'v1', authState: 'self_minted' });
    expect(await store.listProviderTokens({ providerId: 'victim' })).toEqual(before);

    // The victim proves its bearer on a new connection, which replaces its own old one.
    const v2 = accepted(
      await connectProvider({ providerId: 'victim', connectionId: 'v2', bearer: victimToken }, deps()),
    );
    expect(v2.decision).toMatchObject({ authState: 'bearer_validated', event: 'bearer_ok' });
    expect(v2.evicted?.connectionId).toBe('v1');

    // After the victim used its bearer: tokenless is refused while it is live, and tofu_reject
    // when its socket happens to be down; a guessed bearer is invalid_token.
    const i2 = await connectProvider({ providerId: 'victim', connectionId: 'i2' }, deps());
    expect(i2).toEqual({ accepted: false, refusal: 'live_session_protected' });
    const i3 = await connectProvider(
      { providerId: 'victim', connectionId: 'i3', bearer: 'ftp_guess' },
      deps(),
    );
    expect(i3).toMatchObject({ accepted: false, decision: { reject: { code: 'invalid_token' } } });
    expect(registry.unregister('victim', 'v2')).toBe(true);
    const i4 = await connectProvider({ providerId: 'victim', connectionId: 'i4' }, deps());
    expect(i4).toMatchObject({ accepted: false, decision: { reject: { code: 'tofu_reject' } } });
    const v3 = accepted(
      await connectProvider({ providerId: 'victim', connectionId: 'v3', bearer: victimToken }, deps()),
    );
    expect(v3.session.authState).toBe('bearer_validated');

    // The impostor never held a slot and was never routable; the victim's token is the one active.
    const snapshot = registry.snapshot();
    expect(snapshot.map((s) => [s.providerId, s.connectionId, s.authState, s.eligible])).toEqual([
      ['old-a', 'a2', 'self_minted', true],
      ['old-b', 'b1', 'self_minted', true],
      ['victim', 'v3', 'bearer_validated', true],
    ]);
    const victimActive = (await store.listProviderTokens({ providerId: 'victim' })).filter(
      (t) => t.revokedAt === null,
    );
    expect(victimActive.map((t) => t.tokenHash)).toEqual([hashToken(victimToken)]);
    expect(JSON.stringify(sink.events)).not.toContain(victimToken);
  });

  it('incident replay (blip not yet noticed): the reconnect is refused while the dead socket is still registered, without touching the token, and is self-healed once the host drops that socket', async () => {
    const store = memoryStore();
    const registry = new SessionRegistry();
    const deps: ConnectDeps = {
      store,
      registry,
      requireProviderTokens: false,
      clock: manualClock(),
      random: countingRandom(),
    };
    accepted(await connectProvider({ providerId: 'old-a', connectionId: 'a1' }, deps));
    const before = await store.listProviderTokens({ providerId: 'old-a' });
    // The client cannot be told from an impostor: both are tokenless with the same id.
    expect(await connectProvider({ providerId: 'old-a', connectionId: 'a2' }, deps)).toEqual({
      accepted: false,
      refusal: 'live_session_protected',
    });
    expect(await store.listProviderTokens({ providerId: 'old-a' })).toEqual(before);
    expect(registry.unregister('old-a', 'a1')).toBe(true);
    const retry = accepted(await connectProvider({ providerId: 'old-a', connectionId: 'a3' }, deps));
    expect(retry.decision).toMatchObject({ authState: 'self_minted', event: 'self_heal' });
    expect(registry.eligible().map((s) => s.connectionId)).toEqual(['a3']);
  });

  it('incident replay (race): an impostor whose self-heal overlaps a victim registering outside connectProvider (another code path) is refused by the registry, and its fresh token is revoked and withheld', async () => {
    const store = memoryStore();
    const clock = manualClock();
    const random = countingRandom();
    const registry = new SessionRegistry();
    // The victim was minted a token; its registration lands while the impostor's admission is in flight.
    const victim = await admitProvider(
      { providerId: 'victim' },
      { store, requireProviderTokens: false, clock, random },
    );
    expect(victim).toMatchObject({ admit: true, event: 'minted' });
    const { store: racing } = faultyStore(store, {
      before: async (operation) => {
        if (operation === 'issue')
          registry.register({ providerId: 'victim', connectionId: 'v1', authState: 'self_minted' });
      },
    });
    const outcome = await connectProvider(
      { providerId: 'victim', connectionId: 'imp' },
      { store: racing, registry, requireProviderTokens: false, clock, random },
    );
    expect(outcome).toMatchObject({
      accepted: false,
      refusal: 'live_session_protected',
      decision: { event: 'self_heal' },
    });
    if (!outcome.accepted) expect(outcome.decision).not.toHaveProperty('token');
    expect(registry.snapshot().map((s) => [s.connectionId, s.eligible])).toEqual([['v1', true]]);
    // Known cost when a registration bypasses connectProvider's per-provider serialisation (or
    // lands on another replica's registry): the self-heal rotated the victim's never-used token,
    // and the impostor's replacement is revoked, so no one holds an active token for this id.
    // The victim's live session is untouched; its next tokenless connect is minted afresh.
    expect(
      (await store.listProviderTokens({ providerId: 'victim' })).filter((t) => t.revokedAt === null),
    ).toEqual([]);
  });
});
