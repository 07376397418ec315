/**
 * Conformance: provider tokens — `validateAndMarkUsed`, `findActive`, `revokeUnused`,
 * `issue`, `listProviderTokens`, `revokeProviderToken`. These are the atomic primitives
 * admission decides on; each race case fires real calls at once and counts winners.
 *
 * @module @fedtrust/core/testing
 */
import { expect, it } from 'vitest';
import type { ProviderToken } from '../../admission/types.js';
import { StoreError } from '../../errors/fedtrust-error.js';
import type { FederationStore, IssueResult } from '../../ports/store.js';
import { at, crossHandleIt, hex64, race, T0, uuid } from './fixtures.js';
import type { ConformanceSection } from './section.js';

const RACERS = 32;
const ROUNDS = 16;

/** An unused, active provider token numbered `n` (id, hash and prefix unique to `n`). */
function providerToken(n: number, providerId: string, overrides: Partial<ProviderToken> = {}): ProviderToken {
  return structuredClone({
    id: uuid(n, 5),
    providerId,
    tokenHash: hex64(n + 0x5000),
    prefix: `ftp_${n.toString(36).padStart(4, '0').slice(-4)}`,
    createdAt: at(n),
    lastUsedAt: null,
    revokedAt: null,
    ...overrides,
  });
}

async function issueOk(store: FederationStore, token: ProviderToken): Promise<void> {
  expect(await store.issue(token)).toEqual({ issued: true, token });
}

async function activeRows(store: FederationStore, providerId: string): Promise<ProviderToken[]> {
  return (await store.listProviderTokens({ providerId })).filter((t) => t.revokedAt === null);
}

function issuedCount(results: PromiseSettledResult<IssueResult>[]): {
  issued: number;
  activeExists: number;
  other: number;
} {
  let issued = 0;
  let activeExists = 0;
  let other = 0;
  for (const r of results) {
    if (r.status === 'fulfilled' && r.value.issued) issued++;
    else if (r.status === 'fulfilled' && !r.value.issued && r.value.reason === 'active_exists')
      activeExists++;
    else other++;
  }
  return { issued, activeExists, other };
}

export const providerTokensSection: ConformanceSection = (ctx) => {
  it('issue stores the record as given and findActive returns it, hash and prefix only', async () => {
    const store = await ctx.fresh();
    const token = providerToken(1, 'prov-a');
    await issueOk(store, token);
    expect(await store.findActive('prov-a')).toEqual(token);
    expect(await store.findActive('prov-b')).toBeNull();
  });

  it('validateAndMarkUsed matches an active token of the same provider and hash and stamps lastUsedAt = now', async () => {
    const store = await ctx.fresh();
    const token = providerToken(1, 'prov-a');
    await issueOk(store, token);
    const used = await store.validateAndMarkUsed('prov-a', token.tokenHash, at(5_000));
    expect(used).toEqual({ ...token, lastUsedAt: at(5_000) });
    expect((await store.findActive('prov-a'))?.lastUsedAt).toEqual(at(5_000));
    const again = await store.validateAndMarkUsed('prov-a', token.tokenHash, at(9_000));
    expect(again?.lastUsedAt).toEqual(at(9_000));
  });

  it('validateAndMarkUsed returns null and stamps nothing for a wrong hash, another provider or a revoked token', async () => {
    const store = await ctx.fresh();
    const a = providerToken(1, 'prov-a');
    const b = providerToken(2, 'prov-b');
    await issueOk(store, a);
    await issueOk(store, b);
    expect(await store.validateAndMarkUsed('prov-a', hex64(999), at(1))).toBeNull();
    expect(await store.validateAndMarkUsed('prov-a', b.tokenHash, at(1))).toBeNull();
    expect(await store.validateAndMarkUsed('prov-b', a.tokenHash, at(1))).toBeNull();
    expect(await store.validateAndMarkUsed('prov-a', '', at(1))).toBeNull();
    expect(await store.findActive('prov-a')).toEqual(a);
    expect(await store.findActive('prov-b')).toEqual(b);

    expect(await store.revokeProviderToken(a.id, at(2))).toBe(true);
    expect(await store.validateAndMarkUsed('prov-a', a.tokenHash, at(3))).toBeNull();
    const [row] = await store.listProviderTokens({ providerId: 'prov-a' });
    expect(row).toEqual({ ...a, revokedAt: at(2) });
  });

  it('issue returns active_exists when the provider already has an active token, and keeps the first', async () => {
    const store = await ctx.fresh();
    const first = providerToken(1, 'prov-a');
    await issueOk(store, first);
    expect(await store.issue(providerToken(2, 'prov-a'))).toEqual({ issued: false, reason: 'active_exists' });
    expect(await store.issue(providerToken(3, 'prov-a', { lastUsedAt: at(1) }))).toEqual({
      issued: false,
      reason: 'active_exists',
    });
    expect(await activeRows(store, 'prov-a')).toEqual([first]);
    await issueOk(store, providerToken(4, 'prov-b'));
  });

  it('issue maps only the one-active-token constraint to active_exists: a reused token id is a StoreError', async () => {
    // Admission admits a race loser (active_exists) but fails closed on any other failure,
    // so a store that reports every conflict as active_exists would admit where it must refuse.
    const store = await ctx.fresh();
    const first = providerToken(1, 'prov-a');
    await issueOk(store, first);
    const sameIdOtherProvider = providerToken(2, 'prov-b', { id: first.id });
    await expect(store.issue(sameIdOtherProvider)).rejects.toBeInstanceOf(StoreError);
    expect(await store.revokeProviderToken(first.id, at(1))).toBe(true);
    const sameIdSameProvider = providerToken(3, 'prov-a', { id: first.id });
    await expect(store.issue(sameIdSameProvider)).rejects.toBeInstanceOf(StoreError);
    expect(await store.findActive('prov-a')).toBeNull();
    expect(await store.findActive('prov-b')).toBeNull();
    expect(await store.listProviderTokens()).toEqual([{ ...first, revokedAt: at(1) }]);
  });

  it('issue succeeds again once the active token is revoked, leaving exactly one active row', async () => {
    const store = await ctx.fresh();
    const first = providerToken(1, 'prov-a');
    await issueOk(store, first);
    expect(await store.revokeUnused(first.id, at(10))).toBe(true);
    const second = providerToken(2, 'prov-a', { createdAt: at(20) });
    await issueOk(store, second);
    expect(await activeRows(store, 'prov-a')).toEqual([second]);
    expect(await store.findActive('prov-a')).toEqual(second);
  });

  it('revokeUnused revokes an unused active token once and never a used one', async () => {
    const store = await ctx.fresh();
    const unused = providerToken(1, 'prov-a');
    const used = providerToken(2, 'prov-b');
    await issueOk(store, unused);
    await issueOk(store, used);
    await store.validateAndMarkUsed('prov-b', used.tokenHash, at(5));

    expect(await store.revokeUnused(used.id, at(6))).toBe(false);
    expect(await store.findActive('prov-b')).toEqual({ ...used, lastUsedAt: at(5) });

    expect(await store.revokeUnused(unused.id, at(7))).toBe(true);
    expect(await store.revokeUnused(unused.id, at(8))).toBe(false);
    expect(await store.findActive('prov-a')).toBeNull();
    expect(await store.listProviderTokens({ providerId: 'prov-a' })).toEqual([
      { ...unused, revokedAt: at(7) },
    ]);
    expect(await store.revokeUnused(uuid(404, 5), at(9))).toBe(false);
  });

  it('revokeProviderToken revokes a used token once and reports false after', async () => {
    const store = await ctx.fresh();
    const token = providerToken(1, 'prov-a');
    await issueOk(store, token);
    await store.validateAndMarkUsed('prov-a', token.tokenHash, at(1));
    expect(await store.revokeProviderToken(token.id, at(2))).toBe(true);
    expect(await store.revokeProviderToken(token.id, at(3))).toBe(false);
    expect(await store.revokeProviderToken(uuid(404, 5), at(3))).toBe(false);
    expect(await store.findActive('prov-a')).toBeNull();
    expect(await store.listProviderTokens()).toEqual([{ ...token, lastUsedAt: at(1), revokedAt: at(2) }]);
  });

  it('listProviderTokens lists newest first and filters by provider', async () => {
    const store = await ctx.fresh();
    const old = providerToken(1, 'prov-a', { createdAt: T0 });
    await issueOk(store, old);
    await store.revokeProviderToken(old.id, at(50));
    const newer = providerToken(2, 'prov-a', { createdAt: at(100) });
    const other = providerToken(3, 'prov-b', { createdAt: at(200) });
    await issueOk(store, newer);
    await issueOk(store, other);
    expect((await store.listProviderTokens()).map((t) => t.id)).toEqual([other.id, newer.id, old.id]);
    expect((await store.listProviderTokens({ providerId: 'prov-a' })).map((t) => t.id)).toEqual([
      newer.id,
      old.id,
    ]);
    expect(await store.listProviderTokens({ providerId: 'nobody' })).toEqual([]);
  });

  it(`${RACERS} parallel issues for one provider leave exactly one active token (the constraint decides)`, async () => {
    const store = await ctx.fresh();
    const results = await race(RACERS, (i) => store.issue(providerToken(i + 1, 'prov-race')));
    expect(issuedCount(results)).toEqual({ issued: 1, activeExists: RACERS - 1, other: 0 });
    const active = await activeRows(store, 'prov-race');
    expect(active).toHaveLength(1);
    const winner = results.find((r) => r.status === 'fulfilled' && r.value.issued);
    expect(winner?.status === 'fulfilled' && winner.value.issued ? winner.value.token.id : null).toBe(
      active[0]?.id,
    );
  });

  it('validateAndMarkUsed racing revokeUnused on one token: never both win, and a stamped token stays active', async () => {
    const store = await ctx.fresh();
    for (let round = 0; round < ROUNDS; round++) {
      const providerId = `prov-${round}`;
      const token = providerToken(round + 1, providerId);
      await issueOk(store, token);
      const [validated, revoked] = await Promise.all([
        store.validateAndMarkUsed(providerId, token.tokenHash, at(10)),
        store.revokeUnused(token.id, at(10)),
      ]);
      expect(validated !== null && revoked).toBe(false);
      expect(validated !== null || revoked).toBe(true);
      const active = await store.findActive(providerId);
      if (validated !== null) expect(active).toEqual({ ...token, lastUsedAt: at(10) });
      else expect(active).toBeNull();
    }
  });

  crossHandleIt(
    ctx,
    `${RACERS} parallel issues for one provider split across two handles leave exactly one active token`,
    async ([a, b]) => {
      const results = await race(RACERS, (i) =>
        (i % 2 === 0 ? a : b).issue(providerToken(i + 1, 'prov-race')),
      );
      expect(issuedCount(results)).toEqual({ issued: 1, activeExists: RACERS - 1, other: 0 });
      expect(await activeRows(a, 'prov-race')).toHaveLength(1);
      expect(await activeRows(b, 'prov-race')).toEqual(await activeRows(a, 'prov-race'));
    },
  );

  crossHandleIt(
    ctx,
    'validateAndMarkUsed on one handle racing revokeUnused on the other: never both win',
    async ([a, b]) => {
      for (let round = 0; round < ROUNDS; round++) {
        const providerId = `prov-${round}`;
        const token = providerToken(round + 1, providerId);
        await issueOk(a, token);
        const [validated, revoked] = await Promise.all([
          a.validateAndMarkUsed(providerId, token.tokenHash, at(10)),
          b.revokeUnused(token.id, at(10)),
        ]);
        expect(validated !== null && revoked).toBe(false);
        expect(validated !== null || revoked).toBe(true);
        expect((await b.findActive(providerId)) === null).toBe(revoked);
      }
    },
  );
};
