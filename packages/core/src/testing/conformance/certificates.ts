/**
 * Conformance: certificate bindings — `bindCertificate`, `getCertificateBinding`,
 * `listCertificateBindings`, `markCertificateRevoked`.
 *
 * @module @fedtrust/core/testing
 */
import { expect, it } from 'vitest';
import { StoreError } from '../../errors/fedtrust-error.js';
import type { CertificateBinding } from '../../grant/types.js';
import { at, binding, crossHandleIt, race, seedGrant } from './fixtures.js';
import type { ConformanceSection } from './section.js';

const RACERS = 32;
const serials = (records: readonly CertificateBinding[]) => records.map((r) => r.serial).sort();

export const certificatesSection: ConformanceSection = (ctx) => {
  it('bindCertificate stores the binding exactly; getCertificateBinding of an unknown serial is null', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const bound = binding(1, pair);
    await store.bindCertificate(bound);
    const read = await store.getCertificateBinding(bound.serial);
    expect(read).toEqual(bound);
    expect(read?.notAfter).toBeInstanceOf(Date);
    expect(await store.getCertificateBinding('00ff')).toBeNull();
  });

  it('a serial is looked up exactly: neither upper case nor a leading zero matches it', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const bound = binding(1, pair, { serial: 'a1b2c3' });
    await store.bindCertificate(bound);
    expect(await store.getCertificateBinding('A1B2C3')).toBeNull();
    expect(await store.getCertificateBinding('00a1b2c3')).toBeNull();
    expect(await store.getCertificateBinding('a1b2c3')).toEqual(bound);
  });

  it('binding a serial twice rejects with StoreError and keeps the first binding', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const other = await seedGrant(store, 2);
    const first = binding(1, pair);
    await store.bindCertificate(first);
    await expect(store.bindCertificate(binding(1, other))).rejects.toBeInstanceOf(StoreError);
    expect(await store.getCertificateBinding(first.serial)).toEqual(first);
    expect(await store.listCertificateBindings()).toHaveLength(1);
  });

  it('listCertificateBindings lists all, or those of one peer (renewals add bindings, never replace)', async () => {
    const store = await ctx.fresh();
    const p1 = await seedGrant(store, 1);
    const p2 = await seedGrant(store, 2);
    const b1 = binding(1, p1);
    const renewal = binding(2, p1, { notBefore: at(1_000), notAfter: at(2_000_000) });
    const b3 = binding(3, p2);
    for (const b of [b1, renewal, b3]) await store.bindCertificate(b);
    expect(serials(await store.listCertificateBindings())).toEqual(serials([b1, renewal, b3]));
    expect(serials(await store.listCertificateBindings({ peerId: p1.peer.id }))).toEqual(
      serials([b1, renewal]),
    );
    expect(await store.listCertificateBindings({ peerId: 'no-such-peer' })).toEqual([]);
  });

  it('markCertificateRevoked stamps revokedAt once: true the first time, false after, false for unknown', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const bound = binding(1, pair);
    await store.bindCertificate(bound);
    expect(await store.markCertificateRevoked(bound.serial, at(10))).toBe(true);
    expect(await store.markCertificateRevoked(bound.serial, at(20))).toBe(false);
    expect(await store.markCertificateRevoked('beef', at(20))).toBe(false);
    expect(await store.getCertificateBinding(bound.serial)).toEqual({ ...bound, revokedAt: at(10) });
  });

  it('markCertificateRevoked stores the instant it is given, not the time of the write, even one far ahead (a retiring certificate)', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const bound = binding(1, pair);
    await store.bindCertificate(bound);
    const retires = new Date('2999-12-31T23:59:58.987Z');
    expect(await store.markCertificateRevoked(bound.serial, retires)).toBe(true);
    expect((await store.getCertificateBinding(bound.serial))?.revokedAt).toEqual(retires);
    // A retiring certificate is already stamped: a second stamp, earlier or not, is refused.
    expect(await store.markCertificateRevoked(bound.serial, at(1))).toBe(false);
    expect((await store.getCertificateBinding(bound.serial))?.revokedAt).toEqual(retires);
  });

  it('revoking one certificate leaves the peer’s other bindings untouched', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const b1 = binding(1, pair);
    const b2 = binding(2, pair);
    await store.bindCertificate(b1);
    await store.bindCertificate(b2);
    await store.markCertificateRevoked(b1.serial, at(1));
    expect(await store.getCertificateBinding(b2.serial)).toEqual(b2);
  });

  it('bindings read back are copies', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const bound = binding(1, pair);
    await store.bindCertificate(bound);
    const read = (await store.getCertificateBinding(bound.serial)) as CertificateBinding;
    read.revokedAt = at(1);
    read.notAfter.setTime(0);
    expect(await store.getCertificateBinding(bound.serial)).toEqual(bound);
  });

  it(`${RACERS} racing binds of one serial: exactly one succeeds, the rest reject with StoreError`, async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const results = await race(RACERS, (i) => store.bindCertificate(binding(1, pair, { notBefore: at(i) })));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(RACERS - 1);
    for (const f of failed) expect(f.reason).toBeInstanceOf(StoreError);
    expect(await store.listCertificateBindings()).toHaveLength(1);
  });

  it(`${RACERS} racing revocations of one certificate: exactly one returns true`, async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const bound = binding(1, pair);
    await store.bindCertificate(bound);
    const results = await race(RACERS, (i) => store.markCertificateRevoked(bound.serial, at(i + 1)));
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' && r.value ? [i] : []));
    expect(winners).toHaveLength(1);
    expect((await store.getCertificateBinding(bound.serial))?.revokedAt).toEqual(at(winners[0]! + 1));
  });

  crossHandleIt(
    ctx,
    `${RACERS} binds of one serial split over two handles: exactly one succeeds`,
    async ([a, b]) => {
      const pair = await seedGrant(a, 1);
      const results = await race(RACERS, (i) =>
        (i % 2 === 0 ? a : b).bindCertificate(binding(1, pair, { notBefore: at(i) })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(StoreError);
      expect(await b.listCertificateBindings()).toHaveLength(1);
    },
  );

  crossHandleIt(
    ctx,
    `${RACERS} revocations of one certificate split over two handles: exactly one wins`,
    async ([a, b]) => {
      const pair = await seedGrant(a, 1);
      const bound = binding(1, pair);
      await b.bindCertificate(bound);
      const results = await race(RACERS, (i) =>
        (i % 2 === 0 ? a : b).markCertificateRevoked(bound.serial, at(i + 1)),
      );
      expect(results.filter((r) => r.status === 'fulfilled' && r.value)).toHaveLength(1);
    },
  );
};
