import { describe, expect, it } from 'vitest';
import { hashToken } from '../enrollment/hash-token.js';
import type { FederationStore } from '../ports/store.js';
import { memoryStore } from '../testing/memory-store.js';
import {
  countingRandom,
  faultyStore,
  manualClock,
  recordingSink,
  START,
  type TokenOperation,
} from './admission.fixtures.js';
import { type AdmissionDeps, admitProvider } from './admit-provider.js';
import type { AdmissionDecision } from './types.js';

const P = 'prov-1';

function setup(options: { requireProviderTokens?: boolean; inner?: FederationStore } = {}) {
  const inner = options.inner ?? memoryStore();
  const faulty = faultyStore(inner);
  const sink = recordingSink();
  const clock = manualClock();
  const deps: AdmissionDeps = {
    store: faulty.store,
    requireProviderTokens: options.requireProviderTokens ?? false,
    clock,
    random: countingRandom(),
    onEvent: sink,
  };
  const activeRows = async (providerId = P) =>
    (await inner.listProviderTokens({ providerId })).filter((t) => t.revokedAt === null);
  return { inner, plan: faulty.plan, sink, clock, deps, activeRows };
}

/** Mints a token for `P` through admission itself and returns it. */
async function mint(deps: AdmissionDeps): Promise<string> {
  const decision = await admitProvider({ providerId: P }, deps);
  if (!decision.admit || decision.token === undefined) throw new Error('setup: mint failed');
  return decision.token;
}

function expectNoSecrets(events: unknown[], ...secrets: string[]) {
  const text = JSON.stringify(events);
  for (const secret of secrets) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(hashToken(secret));
  }
}

describe('admitProvider: one test per row of the admission table', () => {
  it('row 1: a valid bearer is admitted bearer_validated (bearer_ok) and stamped last_used_at in the same call', async () => {
    const { deps, sink, clock, plan, activeRows } = setup();
    const token = await mint(deps);
    clock.advance(60_000);
    plan.calls.length = 0;
    const decision = await admitProvider({ providerId: P, bearer: token }, deps);
    expect(decision).toEqual({
      admit: true,
      authState: 'bearer_validated',
      event: 'bearer_ok',
      tokenId: expect.any(String),
      tokenPrefix: token.slice(0, 8),
    });
    expect(plan.calls).toEqual(['validateAndMarkUsed']);
    const [row] = await activeRows();
    expect(row?.lastUsedAt).toEqual(new Date(START.getTime() + 60_000));
    expect(sink.events.at(-1)).toEqual({
      kind: 'bearer_ok',
      providerId: P,
      at: clock.now(),
      tokenPrefix: token.slice(0, 8),
    });
    expectNoSecrets(sink.events, token);
  });

  it('row 2: an unknown or revoked bearer is rejected invalid_token (bearer_rejected) and never falls back to minting', async () => {
    const { deps, sink, inner, activeRows } = setup();
    const token = await mint(deps);
    const [row] = await activeRows();
    const wrong = await admitProvider({ providerId: P, bearer: `${token}x` }, deps);
    expect(wrong).toEqual({ admit: false, reject: { code: 'invalid_token' }, event: 'bearer_rejected' });
    const otherProvider = await admitProvider({ providerId: 'prov-2', bearer: token }, deps);
    expect(otherProvider).toMatchObject({ admit: false, reject: { code: 'invalid_token' } });
    expect(await admitProvider({ providerId: P, bearer: '' }, deps)).toMatchObject({
      reject: { code: 'invalid_token' },
    });
    expect(await admitProvider({ providerId: P, bearer: 'x'.repeat(5000) }, deps)).toMatchObject({
      reject: { code: 'invalid_token' },
    });
    expect((await activeRows())[0]?.lastUsedAt).toBeNull();

    await inner.revokeProviderToken(row!.id, START);
    const revoked = await admitProvider({ providerId: P, bearer: token }, deps);
    expect(revoked).toEqual({ admit: false, reject: { code: 'invalid_token' }, event: 'bearer_rejected' });
    expect(await inner.listProviderTokens()).toHaveLength(1);
    expect(sink.events.filter((e) => e.kind === 'bearer_rejected')).toHaveLength(5);
    expectNoSecrets(sink.events, token);
  });

  it('row 3: a tokenless provider is rejected token_required when the flag is on, without touching the store', async () => {
    const { deps, plan, sink, inner } = setup({ requireProviderTokens: true });
    const decision = await admitProvider({ providerId: P }, deps);
    expect(decision).toEqual({ admit: false, reject: { code: 'token_required' }, event: 'token_required' });
    expect(await admitProvider({ providerId: P, bearer: null }, deps)).toMatchObject({
      reject: { code: 'token_required' },
    });
    expect(plan.calls).toEqual([]);
    expect(await inner.listProviderTokens()).toEqual([]);
    expect(sink.events.map((e) => e.kind)).toEqual(['token_required', 'token_required']);
  });

  it('row 4: a tokenless provider with no active row is minted a token, returned once, self_minted (minted); only its hash is stored', async () => {
    const { deps, sink, inner } = setup();
    const decision = await admitProvider({ providerId: P }, deps);
    expect(decision).toMatchObject({ admit: true, authState: 'self_minted', event: 'minted' });
    const token = (decision as Extract<AdmissionDecision, { admit: true }>).token!;
    expect(token).toMatch(/^ftp_[A-Za-z0-9_-]{43}$/);
    const rows = await inner.listProviderTokens();
    expect(rows).toEqual([
      {
        id: (decision as { tokenId: string }).tokenId,
        providerId: P,
        tokenHash: hashToken(token),
        prefix: token.slice(0, 8),
        createdAt: START,
        lastUsedAt: null,
        revokedAt: null,
      },
    ]);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(sink.events).toEqual([
      { kind: 'minted', providerId: P, at: START, tokenPrefix: token.slice(0, 8) },
    ]);
    expectNoSecrets(sink.events, token);
  });

  it('row 5: a tokenless provider whose active row was never used is self-healed: old token revoked, fresh token (self_heal)', async () => {
    const { deps, sink, inner, plan, activeRows } = setup();
    const dropped = await mint(deps);
    plan.calls.length = 0;
    const decision = await admitProvider({ providerId: P }, deps);
    expect(decision).toMatchObject({ admit: true, authState: 'self_minted', event: 'self_heal' });
    const fresh = (decision as { token: string }).token;
    expect(fresh).not.toBe(dropped);
    expect(plan.calls).toEqual(['findActive', 'revokeUnused', 'issue']);
    expect((await activeRows()).map((t) => t.tokenHash)).toEqual([hashToken(fresh)]);
    const old = (await inner.listProviderTokens()).find((t) => t.tokenHash === hashToken(dropped));
    expect(old?.revokedAt).toEqual(START);
    expect(await admitProvider({ providerId: P, bearer: dropped }, deps)).toMatchObject({
      reject: { code: 'invalid_token' },
    });
    expect(await admitProvider({ providerId: P, bearer: fresh }, deps)).toMatchObject({
      authState: 'bearer_validated',
    });
    expectNoSecrets(sink.events, dropped, fresh);
  });

  it('row 6: a tokenless provider whose active row was already used is rejected tofu_reject and nothing changes', async () => {
    const { deps, sink, inner } = setup();
    const token = await mint(deps);
    await admitProvider({ providerId: P, bearer: token }, deps);
    const before = await inner.listProviderTokens();
    const decision = await admitProvider({ providerId: P }, deps);
    expect(decision).toEqual({ admit: false, reject: { code: 'tofu_reject' }, event: 'tofu_reject' });
    expect(await inner.listProviderTokens()).toEqual(before);
    expect(sink.events.at(-1)?.kind).toBe('tofu_reject');
  });

  it('row 7: issue losing the unique-constraint race admits a quarantined bearerless_duplicate without a token', async () => {
    const { deps, sink, activeRows } = setup();
    const racers = 16;
    const decisions = await Promise.all(
      Array.from({ length: racers }, () => admitProvider({ providerId: P }, deps)),
    );
    const minted = decisions.filter((d) => d.admit && d.authState === 'self_minted');
    const quarantined = decisions.filter((d) => d.admit && d.authState === 'bearerless_duplicate');
    expect(minted).toHaveLength(1);
    expect(quarantined.length + minted.length).toBe(racers);
    for (const d of quarantined) {
      expect(d).toEqual({
        admit: true,
        authState: 'bearerless_duplicate',
        event: 'race_loss_admit_quarantined',
      });
    }
    expect(await activeRows()).toHaveLength(1);
    expect(sink.events.filter((e) => e.kind === 'race_loss_admit_quarantined')).toHaveLength(
      quarantined.length,
    );
  });

  it('row 8: a transient issue failure rejects, fail closed, with auth state mint_failed (mint_failed)', async () => {
    const { deps, plan, sink, activeRows } = setup();
    plan.failNext.push('issue');
    const decision = await admitProvider({ providerId: P }, deps);
    expect(decision).toEqual({
      admit: false,
      authState: 'mint_failed',
      reject: { code: 'mint_failed' },
      event: 'mint_failed',
    });
    expect(await activeRows()).toEqual([]);
    expect(sink.events).toEqual([{ kind: 'mint_failed', providerId: P, at: START, detail: 'issue' }]);
    expect(await admitProvider({ providerId: P }, deps)).toMatchObject({ admit: true, event: 'minted' });
  });

  it.each<[string, TokenOperation, (deps: AdmissionDeps) => Promise<unknown>, string | undefined]>([
    ['validating a bearer', 'validateAndMarkUsed', (deps) => mint(deps), 'bearer'],
    ['looking up the active token', 'findActive', async () => undefined, undefined],
    ['revoking an unused token', 'revokeUnused', (deps) => mint(deps), undefined],
  ])(
    'row 9: a store error while %s rejects store_error and never admits',
    async (_label, operation, prepare, withBearer) => {
      const { deps, plan, sink, inner } = setup();
      const token = await prepare(deps);
      const before = await inner.listProviderTokens();
      plan.failNext.push(operation);
      const request = withBearer ? { providerId: P, bearer: token as string } : { providerId: P };
      const decision = await admitProvider(request, deps);
      expect(decision).toEqual({ admit: false, reject: { code: 'store_error' }, event: 'store_error' });
      expect(sink.events.at(-1)).toEqual({
        kind: 'store_error',
        providerId: P,
        at: START,
        detail: operation,
      });
      expect(await inner.listProviderTokens()).toEqual(before);
    },
  );
});

describe('admitProvider races and edges', () => {
  it('a self-heal that races the holder proving its bearer rejects tofu_reject and leaves the proven token active', async () => {
    const inner = memoryStore();
    const clock = manualClock();
    const random = countingRandom();
    const first = await admitProvider(
      { providerId: P },
      { store: inner, requireProviderTokens: false, clock, random },
    );
    const token = (first as { token: string }).token;
    // The holder's bearer validation lands between the tokenless connection's read and its revoke.
    const { store } = faultyStore(inner, {
      before: async (operation) => {
        if (operation === 'revokeUnused')
          await admitProvider(
            { providerId: P, bearer: token },
            { store: inner, requireProviderTokens: false, clock, random },
          );
      },
    });
    const decision = await admitProvider(
      { providerId: P },
      { store, requireProviderTokens: false, clock, random },
    );
    expect(decision).toEqual({ admit: false, reject: { code: 'tofu_reject' }, event: 'tofu_reject' });
    const active = (await inner.listProviderTokens({ providerId: P })).filter((t) => t.revokedAt === null);
    expect(active.map((t) => t.tokenHash)).toEqual([hashToken(token)]);
    expect(active[0]?.lastUsedAt).not.toBeNull();
  });

  it('two tokenless reconnects racing a self-heal leave exactly one active token and at most one fresh token', async () => {
    const { deps, activeRows } = setup();
    await mint(deps);
    const decisions = await Promise.all(
      Array.from({ length: 8 }, () => admitProvider({ providerId: P }, deps)),
    );
    expect(decisions.filter((d) => d.admit && d.token !== undefined)).toHaveLength(1);
    expect(decisions.every((d) => d.admit)).toBe(true);
    expect(await activeRows()).toHaveLength(1);
  });

  it('a self-heal that loses to another self-heal (revoke refused, fresh unused token found) is quarantined without a token', async () => {
    const inner = memoryStore();
    const clock = manualClock();
    const random = countingRandom();
    const plain = { store: inner, requireProviderTokens: false, clock, random };
    await admitProvider({ providerId: P }, plain);
    let rival: AdmissionDecision | undefined;
    const { store } = faultyStore(inner, {
      before: async (operation) => {
        if (operation === 'revokeUnused' && rival === undefined)
          rival = await admitProvider({ providerId: P }, plain);
      },
    });
    const decision = await admitProvider({ providerId: P }, { ...plain, store });
    expect(rival).toMatchObject({ admit: true, authState: 'self_minted', event: 'self_heal' });
    expect(decision).toEqual({
      admit: true,
      authState: 'bearerless_duplicate',
      event: 'race_loss_admit_quarantined',
    });
    const active = (await inner.listProviderTokens({ providerId: P })).filter((t) => t.revokedAt === null);
    expect(active.map((t) => t.id)).toEqual([(rival as { tokenId: string }).tokenId]);
  });

  it('a store error on the re-read after a refused revoke rejects store_error', async () => {
    const inner = memoryStore();
    const clock = manualClock();
    const random = countingRandom();
    const plain = { store: inner, requireProviderTokens: false, clock, random };
    await admitProvider({ providerId: P }, plain);
    let rivalDone = false;
    const faulty = faultyStore(inner, {
      before: async (operation) => {
        if (operation !== 'revokeUnused' || rivalDone) return;
        rivalDone = true;
        await admitProvider({ providerId: P }, plain);
        faulty.plan.failNext.push('findActive');
      },
    });
    const decision = await admitProvider({ providerId: P }, { ...plain, store: faulty.store });
    expect(decision).toEqual({ admit: false, reject: { code: 'store_error' }, event: 'store_error' });
    expect(faulty.plan.calls).toEqual(['findActive', 'revokeUnused', 'findActive']);
  });

  it('refuses a missing, empty or oversized provider id and a non-string bearer with admission_input_invalid, before any store call', async () => {
    const { deps, plan } = setup();
    for (const request of [
      { providerId: '' },
      { providerId: 'p'.repeat(257) },
      { providerId: 42 },
      { providerId: P, bearer: 7 },
      null,
    ]) {
      await expect(admitProvider(request as never, deps)).rejects.toMatchObject({
        code: 'admission_input_invalid',
        status: 400,
      });
    }
    expect(plan.calls).toEqual([]);
  });

  it('a throwing event sink does not change the decision', async () => {
    const { deps, activeRows } = setup();
    const decision = await admitProvider(
      { providerId: P },
      {
        ...deps,
        onEvent: () => {
          throw new Error('sink down');
        },
      },
    );
    expect(decision).toMatchObject({ admit: true, event: 'minted' });
    expect(await activeRows()).toHaveLength(1);
  });

  it('an async event sink that rejects does not change the decision and leaves no unhandled rejection', async () => {
    const { deps, activeRows } = setup();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const decision = await admitProvider(
        { providerId: P },
        {
          ...deps,
          onEvent: async () => {
            throw new Error('sink down');
          },
        },
      );
      expect(decision).toMatchObject({ admit: true, event: 'minted' });
      // Node reports an unhandled rejection after the microtask queue drains.
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      expect(await activeRows()).toHaveLength(1);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('admitProvider fails closed on store results outside the port contract', () => {
  const proofOf = async (deps: AdmissionDeps, token: string) => {
    const proved = await deps.store.validateAndMarkUsed(P, hashToken(token), START);
    if (proved === null) throw new Error('setup: no proof');
    return proved;
  };

  it.each<[string, (proof: Awaited<ReturnType<typeof proofOf>>) => unknown]>([
    ['undefined', () => undefined],
    ['false', () => false],
    ['an empty object', () => ({})],
    ['a token of another provider', (proof) => ({ ...proof, providerId: 'someone-else' })],
    ['a token with another hash', (proof) => ({ ...proof, tokenHash: '0'.repeat(64) })],
    ['a revoked token', (proof) => ({ ...proof, revokedAt: START })],
  ])('validateAndMarkUsed returning %s never admits a bearer', async (_label, result) => {
    const { deps, sink } = setup();
    const token = await mint(deps);
    const proof = await proofOf(deps, token);
    const store = { ...deps.store, validateAndMarkUsed: async () => result(proof) as never };
    const decision = await admitProvider({ providerId: P, bearer: 'ftp_forged' }, { ...deps, store });
    expect(decision).toEqual({ admit: false, reject: { code: 'store_error' }, event: 'store_error' });
    expect(sink.events.at(-1)).toMatchObject({ kind: 'store_error', detail: 'validateAndMarkUsed' });
  });

  it('a proven token whose stored prefix is longer than 8 characters reaches events and the decision cut to 8', async () => {
    const { deps, sink } = setup();
    const token = await mint(deps);
    const proof = await proofOf(deps, token);
    const store = { ...deps.store, validateAndMarkUsed: async () => ({ ...proof, prefix: token }) };
    const decision = await admitProvider({ providerId: P, bearer: token }, { ...deps, store });
    expect(decision).toMatchObject({ admit: true, tokenPrefix: token.slice(0, 8) });
    expect(sink.events.at(-1)?.tokenPrefix).toBe(token.slice(0, 8));
    expectNoSecrets([decision, sink.events], token);
  });

  it.each<[string, unknown]>([
    ['an empty object', {}],
    ['issued: false without the active_exists reason', { issued: false }],
    ['a truthy non-boolean issued', { issued: 'yes' }],
    ['null', null],
  ])('issue returning %s is a failed mint, never an admission', async (_label, result) => {
    const { deps } = setup();
    const store = { ...deps.store, issue: async () => result as never };
    expect(await admitProvider({ providerId: P }, { ...deps, store })).toEqual({
      admit: false,
      authState: 'mint_failed',
      reject: { code: 'mint_failed' },
      event: 'mint_failed',
    });
  });

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['a token of another provider', { id: 't', providerId: 'other', lastUsedAt: null, revokedAt: null }],
    ['a revoked token', { id: 't', providerId: P, lastUsedAt: null, revokedAt: START }],
  ])('findActive returning %s rejects store_error and revokes nothing', async (_label, result) => {
    const { deps, inner } = setup();
    await mint(deps);
    const before = await inner.listProviderTokens();
    const store = { ...deps.store, findActive: async () => result as never };
    expect(await admitProvider({ providerId: P }, { ...deps, store })).toEqual({
      admit: false,
      reject: { code: 'store_error' },
      event: 'store_error',
    });
    expect(await inner.listProviderTokens()).toEqual(before);
  });
});
