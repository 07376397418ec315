/**
 * Conformance: grants — `createGrant`, `getGrant`, `listGrants`, `transitionGrant`.
 *
 * @module @fedtrust/core/testing
 */
import { expect, it } from 'vitest';
import { StoreError } from '../../errors/fedtrust-error.js';
import type { Grant } from '../../grant/types.js';
import { at, crossHandleIt, grantPair, ids, race, seedGrant, T0 } from './fixtures.js';
import type { ConformanceSection } from './section.js';

const RACERS = 32;

export const grantsSection: ConformanceSection = (ctx) => {
  it('createGrant stores the grant and its peer exactly as given (dates, nulls, nested scope)', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const grant = await store.getGrant(pair.grant.id);
    const peer = await store.getPeer(pair.peer.id);
    expect(grant).toEqual(pair.grant);
    expect(peer).toEqual(pair.peer);
    expect(grant?.createdAt).toBeInstanceOf(Date);
    expect(grant?.expiresAt?.getTime()).toBe(pair.grant.expiresAt?.getTime());
    expect(peer?.updatedAt.getTime()).toBe(T0.getTime());
  });

  it('a grant without expiry keeps expiresAt null, and a minimal scope keeps no invented fields', async () => {
    const store = await ctx.fresh();
    const scope = { resources: ['tasks'], max_rows_per_query: 1 };
    const pair = await seedGrant(store, 1, { grant: { expiresAt: null, scope } });
    const grant = await store.getGrant(pair.grant.id);
    expect(grant?.expiresAt).toBeNull();
    expect(grant?.scope).toStrictEqual(scope);
  });

  it('getGrant of an unknown id is null', async () => {
    const store = await ctx.fresh();
    await seedGrant(store, 1);
    expect(await store.getGrant(grantPair(2).grant.id)).toBeNull();
  });

  it('createGrant with an existing grant id rejects with StoreError and writes neither record', async () => {
    const store = await ctx.fresh();
    const first = await seedGrant(store, 1);
    const second = grantPair(2, { grant: { id: first.grant.id } });
    await expect(store.createGrant(second.grant, second.peer)).rejects.toBeInstanceOf(StoreError);
    expect(await store.getPeer(second.peer.id)).toBeNull();
    expect(await store.listPeers()).toHaveLength(1);
    expect(await store.getGrant(first.grant.id)).toEqual(first.grant);
  });

  it('createGrant with an existing peer id rejects with StoreError and writes neither record', async () => {
    const store = await ctx.fresh();
    const first = await seedGrant(store, 1);
    const second = grantPair(2, { peer: { id: first.peer.id } });
    await expect(store.createGrant(second.grant, second.peer)).rejects.toBeInstanceOf(StoreError);
    expect(await store.getGrant(second.grant.id)).toBeNull();
    expect(await store.listGrants()).toHaveLength(1);
    expect(await store.getPeer(first.peer.id)).toEqual(first.peer);
  });

  it('records read back are copies: mutating one changes nothing stored', async () => {
    const store = await ctx.fresh();
    const pair = grantPair(1);
    await store.createGrant(pair.grant, pair.peer);
    const read = (await store.getGrant(pair.grant.id)) as Grant;
    read.status = 'revoked';
    read.scope.resources.push('injected');
    read.createdAt.setTime(0);
    const listed = await store.listGrants();
    listed[0]!.tenantId = 'tenant-z';
    const again = await store.getGrant(pair.grant.id);
    expect(again).toEqual(grantPair(1).grant);
  });

  it('records passed in are copied: mutating the caller object after createGrant changes nothing stored', async () => {
    const store = await ctx.fresh();
    const pair = grantPair(1);
    await store.createGrant(pair.grant, pair.peer);
    pair.grant.status = 'active';
    pair.grant.scope.resources.length = 0;
    pair.peer.name = 'renamed';
    expect(await store.getGrant(pair.grant.id)).toEqual(grantPair(1).grant);
    expect((await store.getPeer(pair.peer.id))?.name).toBe(grantPair(1).peer.name);
  });

  it('listGrants filters by tenantId, peerId and status, alone and combined', async () => {
    const store = await ctx.fresh();
    const a1 = await seedGrant(store, 1);
    const a2 = await seedGrant(store, 2);
    const b3 = await seedGrant(store, 3, { peer: { tenantId: 'tenant-b' }, grant: { tenantId: 'tenant-b' } });
    await store.transitionGrant(a2.grant.id, ['pending'], 'active', at(1));

    expect(ids(await store.listGrants())).toEqual(ids([a1.grant, a2.grant, b3.grant]));
    expect(ids(await store.listGrants({}))).toEqual(ids([a1.grant, a2.grant, b3.grant]));
    expect(ids(await store.listGrants({ tenantId: 'tenant-a' }))).toEqual(ids([a1.grant, a2.grant]));
    expect(ids(await store.listGrants({ peerId: b3.peer.id }))).toEqual([b3.grant.id]);
    expect(ids(await store.listGrants({ status: 'active' }))).toEqual([a2.grant.id]);
    expect(ids(await store.listGrants({ status: 'pending' }))).toEqual(ids([a1.grant, b3.grant]));
    expect(ids(await store.listGrants({ tenantId: 'tenant-b', status: 'pending' }))).toEqual([b3.grant.id]);
    expect(await store.listGrants({ tenantId: 'tenant-b', status: 'active' })).toEqual([]);
    expect(await store.listGrants({ tenantId: 'tenant-none' })).toEqual([]);
  });

  it('transitionGrant pending → active stamps activatedAt, leaves revokedAt null, and returns what is stored', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const moved = await store.transitionGrant(pair.grant.id, ['pending'], 'active', at(5_000));
    expect(moved).toEqual({ ...pair.grant, status: 'active', activatedAt: at(5_000) });
    expect(await store.getGrant(pair.grant.id)).toEqual(moved);
  });

  it('transitionGrant active → revoked stamps revokedAt and keeps activatedAt', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    await store.transitionGrant(pair.grant.id, ['pending'], 'active', at(1_000));
    const revoked = await store.transitionGrant(pair.grant.id, ['pending', 'active'], 'revoked', at(2_000));
    expect(revoked).toEqual({
      ...pair.grant,
      status: 'revoked',
      activatedAt: at(1_000),
      revokedAt: at(2_000),
    });
    expect(await store.getGrant(pair.grant.id)).toEqual(revoked);
  });

  it('transitionGrant pending → revoked stamps revokedAt and leaves activatedAt null', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const revoked = await store.transitionGrant(pair.grant.id, ['pending', 'active'], 'revoked', at(3));
    expect(revoked?.activatedAt).toBeNull();
    expect(revoked?.revokedAt).toEqual(at(3));
  });

  it('transitionGrant from a state the record is not in returns null and changes nothing', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    expect(await store.transitionGrant(pair.grant.id, ['active'], 'revoked', at(1))).toBeNull();
    expect(await store.transitionGrant(pair.grant.id, [], 'active', at(1))).toBeNull();
    expect(await store.getGrant(pair.grant.id)).toEqual(pair.grant);
    await store.transitionGrant(pair.grant.id, ['pending'], 'revoked', at(2));
    expect(await store.transitionGrant(pair.grant.id, ['pending'], 'active', at(3))).toBeNull();
    expect(await store.getGrant(pair.grant.id)).toMatchObject({
      status: 'revoked',
      activatedAt: null,
      revokedAt: at(2),
    });
  });

  it('transitionGrant of an unknown id returns null', async () => {
    const store = await ctx.fresh();
    expect(await store.transitionGrant(grantPair(9).grant.id, ['pending'], 'active', at(1))).toBeNull();
    expect(await store.listGrants()).toEqual([]);
  });

  it(`${RACERS} racing activations of one grant: exactly one wins and its instant is the one stored`, async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const results = await race(RACERS, (i) =>
      store.transitionGrant(pair.grant.id, ['pending'], 'active', at(i + 1)),
    );
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' && r.value !== null ? [i] : []));
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(winners).toHaveLength(1);
    const stored = await store.getGrant(pair.grant.id);
    expect(stored?.status).toBe('active');
    expect(stored?.activatedAt).toEqual(at(winners[0]! + 1));
  });

  it(`${RACERS} racing revocations of one active grant: exactly one returns the grant`, async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    await store.transitionGrant(pair.grant.id, ['pending'], 'active', at(0));
    const results = await race(RACERS, (i) =>
      store.transitionGrant(pair.grant.id, ['pending', 'active'], 'revoked', at(i + 1)),
    );
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' && r.value !== null ? [i] : []));
    expect(winners).toHaveLength(1);
    expect((await store.getGrant(pair.grant.id))?.revokedAt).toEqual(at(winners[0]! + 1));
  });

  it('activations racing revocations: one revocation wins, at most one activation wins, and revoked is final', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const results = await race(RACERS, (i) =>
      i % 2 === 0
        ? store.transitionGrant(pair.grant.id, ['pending'], 'active', at(i + 1))
        : store.transitionGrant(pair.grant.id, ['pending', 'active'], 'revoked', at(i + 1)),
    );
    const won = (parity: number) =>
      results.filter((r, i) => i % 2 === parity && r.status === 'fulfilled' && r.value !== null).length;
    expect(won(1)).toBe(1);
    expect(won(0)).toBeLessThanOrEqual(1);
    const stored = await store.getGrant(pair.grant.id);
    expect(stored?.status).toBe('revoked');
    expect(stored?.activatedAt === null).toBe(won(0) === 0);
  });

  it('racing transitions of different grants do not interfere: each grant is activated once', async () => {
    const store = await ctx.fresh();
    const pairs = await Promise.all(Array.from({ length: 8 }, (_, n) => seedGrant(store, n + 1)));
    const results = await race(RACERS, (i) =>
      store.transitionGrant(pairs[i % pairs.length]!.grant.id, ['pending'], 'active', at(i + 1)),
    );
    const wins = results.filter((r) => r.status === 'fulfilled' && r.value !== null).length;
    expect(wins).toBe(pairs.length);
    expect(await store.listGrants({ status: 'active' })).toHaveLength(pairs.length);
  });

  crossHandleIt(
    ctx,
    `${RACERS} activations of one grant split over two handles: exactly one wins`,
    async ([a, b]) => {
      const pair = await seedGrant(a, 1);
      const results = await race(RACERS, (i) =>
        (i % 2 === 0 ? a : b).transitionGrant(pair.grant.id, ['pending'], 'active', at(i + 1)),
      );
      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' && r.value !== null ? [i] : []));
      expect(winners).toHaveLength(1);
      expect((await b.getGrant(pair.grant.id))?.activatedAt).toEqual(at(winners[0]! + 1));
      expect(await a.getGrant(pair.grant.id)).toEqual(await b.getGrant(pair.grant.id));
    },
  );

  crossHandleIt(
    ctx,
    'a grant created on one handle is read, listed and moved through the other',
    async ([a, b]) => {
      const pair = await seedGrant(a, 1);
      expect(await b.getGrant(pair.grant.id)).toEqual(pair.grant);
      expect(ids(await b.listGrants({ tenantId: pair.grant.tenantId }))).toEqual([pair.grant.id]);
      await b.transitionGrant(pair.grant.id, ['pending'], 'active', at(1));
      expect((await a.getGrant(pair.grant.id))?.status).toBe('active');
    },
  );
};
