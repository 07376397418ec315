/**
 * Conformance: peers — `getPeer`, `listPeers`, `transitionPeer`.
 *
 * @module @fedtrust/core/testing
 */
import { expect, it } from 'vitest';
import type { Peer, PeerStatus } from '../../grant/types.js';
import { at, crossHandleIt, grantPair, ids, race, seedGrant, T0 } from './fixtures.js';
import type { ConformanceSection } from './section.js';

const RACERS = 32;

export const peersSection: ConformanceSection = (ctx) => {
  it('getPeer returns the peer created with its grant; an unknown id is null', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    expect(await store.getPeer(pair.peer.id)).toEqual(pair.peer);
    expect(await store.getPeer(grantPair(2).peer.id)).toBeNull();
  });

  it('a peer name with non-ASCII characters round-trips unchanged', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1, { peer: { name: 'Zoë’s gateway — bureau 東京' } });
    expect((await store.getPeer(pair.peer.id))?.name).toBe('Zoë’s gateway — bureau 東京');
  });

  it('listPeers filters by tenantId and status, alone and combined', async () => {
    const store = await ctx.fresh();
    const a1 = await seedGrant(store, 1);
    const a2 = await seedGrant(store, 2);
    const b3 = await seedGrant(store, 3, { peer: { tenantId: 'tenant-b' }, grant: { tenantId: 'tenant-b' } });
    await store.transitionPeer(a2.peer.id, ['pending'], 'active', at(1));
    await store.transitionPeer(b3.peer.id, ['pending'], 'active', at(1));
    await store.transitionPeer(b3.peer.id, ['active'], 'suspended', at(2));

    expect(ids(await store.listPeers())).toEqual(ids([a1.peer, a2.peer, b3.peer]));
    expect(ids(await store.listPeers({ tenantId: 'tenant-a' }))).toEqual(ids([a1.peer, a2.peer]));
    expect(ids(await store.listPeers({ status: 'active' }))).toEqual([a2.peer.id]);
    expect(ids(await store.listPeers({ status: 'suspended' }))).toEqual([b3.peer.id]);
    expect(ids(await store.listPeers({ tenantId: 'tenant-a', status: 'pending' }))).toEqual([a1.peer.id]);
    expect(await store.listPeers({ tenantId: 'tenant-b', status: 'active' })).toEqual([]);
    expect(await store.listPeers({ status: 'revoked' })).toEqual([]);
  });

  it('transitionPeer stamps updatedAt with the given instant, keeps createdAt, and returns what is stored', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const moved = await store.transitionPeer(pair.peer.id, ['pending'], 'active', at(7_000));
    expect(moved).toEqual({ ...pair.peer, status: 'active', updatedAt: at(7_000) });
    expect(moved?.createdAt).toEqual(T0);
    expect(await store.getPeer(pair.peer.id)).toEqual(moved);
  });

  it('the full lifecycle pending → active → suspended → active → revoked is stored step by step', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const steps: Array<[PeerStatus[], PeerStatus]> = [
      [['pending'], 'active'],
      [['active'], 'suspended'],
      [['suspended'], 'active'],
      [['pending', 'active', 'suspended'], 'revoked'],
    ];
    for (const [i, [from, to]] of steps.entries()) {
      const moved = await store.transitionPeer(pair.peer.id, from, to, at(i + 1));
      expect(moved?.status).toBe(to);
      expect((await store.getPeer(pair.peer.id))?.updatedAt).toEqual(at(i + 1));
    }
  });

  it('transitionPeer from a state the peer is not in returns null and changes nothing', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    expect(await store.transitionPeer(pair.peer.id, ['active'], 'suspended', at(1))).toBeNull();
    expect(await store.transitionPeer(pair.peer.id, ['suspended'], 'active', at(1))).toBeNull();
    expect(await store.transitionPeer(pair.peer.id, [], 'revoked', at(1))).toBeNull();
    expect(await store.getPeer(pair.peer.id)).toEqual(pair.peer);
  });

  it('transitionPeer of an unknown id returns null', async () => {
    const store = await ctx.fresh();
    expect(await store.transitionPeer(grantPair(5).peer.id, ['pending'], 'active', at(1))).toBeNull();
  });

  it('a transitionPeer result and a getPeer result are copies', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const moved = (await store.transitionPeer(pair.peer.id, ['pending'], 'active', at(1))) as Peer;
    moved.status = 'revoked';
    moved.updatedAt.setTime(0);
    const read = (await store.getPeer(pair.peer.id)) as Peer;
    read.name = 'changed';
    expect(await store.getPeer(pair.peer.id)).toEqual({ ...pair.peer, status: 'active', updatedAt: at(1) });
  });

  it('moving a peer does not touch its grant', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    await store.transitionPeer(pair.peer.id, ['pending'], 'revoked', at(1));
    expect(await store.getGrant(pair.grant.id)).toEqual(pair.grant);
  });

  it(`${RACERS} racing suspensions of one active peer: exactly one wins`, async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    await store.transitionPeer(pair.peer.id, ['pending'], 'active', at(0));
    const results = await race(RACERS, (i) =>
      store.transitionPeer(pair.peer.id, ['active'], 'suspended', at(i + 1)),
    );
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' && r.value !== null ? [i] : []));
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(winners).toHaveLength(1);
    expect(await store.getPeer(pair.peer.id)).toMatchObject({
      status: 'suspended',
      updatedAt: at(winners[0]! + 1),
    });
  });

  it('resumptions racing revocations of a suspended peer: exactly one revocation wins and revoked is final', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    await store.transitionPeer(pair.peer.id, ['pending'], 'active', at(0));
    await store.transitionPeer(pair.peer.id, ['active'], 'suspended', at(1));
    const results = await race(RACERS, (i) =>
      i % 2 === 0
        ? store.transitionPeer(pair.peer.id, ['suspended'], 'active', at(i + 2))
        : store.transitionPeer(pair.peer.id, ['pending', 'active', 'suspended'], 'revoked', at(i + 2)),
    );
    const won = (parity: number) =>
      results.filter((r, i) => i % 2 === parity && r.status === 'fulfilled' && r.value !== null).length;
    expect(won(1)).toBe(1);
    expect(won(0)).toBeLessThanOrEqual(1);
    expect((await store.getPeer(pair.peer.id))?.status).toBe('revoked');
  });

  crossHandleIt(
    ctx,
    `${RACERS} suspensions of one peer split over two handles: exactly one wins`,
    async ([a, b]) => {
      const pair = await seedGrant(a, 1);
      await b.transitionPeer(pair.peer.id, ['pending'], 'active', at(0));
      const results = await race(RACERS, (i) =>
        (i % 2 === 0 ? a : b).transitionPeer(pair.peer.id, ['active'], 'suspended', at(i + 1)),
      );
      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' && r.value !== null ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(await a.getPeer(pair.peer.id)).toMatchObject({
        status: 'suspended',
        updatedAt: at(winners[0]! + 1),
      });
    },
  );
};
