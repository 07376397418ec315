/**
 * Conformance: enrollment tokens — `insertEnrollmentToken`, `redeemEnrollmentToken`.
 * The store has no reader for token rows on purpose: redemption is the only way in, so
 * every case observes state through redemption outcomes.
 *
 * @module @fedtrust/core/testing
 */
import { expect, it } from 'vitest';
import type { RedemptionResult } from '../../enrollment/types.js';
import { StoreError } from '../../errors/fedtrust-error.js';
import { at, crossHandleIt, hex64, race, seedGrant, tokenRecord } from './fixtures.js';
import type { ConformanceSection } from './section.js';

const REDEEMERS = 64;
const FIFTEEN_MINUTES = 15 * 60_000;

function tally(results: PromiseSettledResult<RedemptionResult>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) {
    const key = r.status === 'fulfilled' ? r.value.outcome : 'rejected';
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export const enrollmentSection: ConformanceSection = (ctx) => {
  it('redeeming an issued token before expiry is ok and returns the record stamped usedAt = now', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const record = tokenRecord(1, pair);
    await store.insertEnrollmentToken(record);
    const result = await store.redeemEnrollmentToken(record.tokenHash, at(60_000));
    expect(result).toEqual({ outcome: 'ok', record: { ...record, usedAt: at(60_000) } });
    if (result.outcome === 'ok') expect(result.record.expiresAt).toBeInstanceOf(Date);
  });

  it('a second redemption of a used token is already_used, even after it would have expired', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const record = tokenRecord(1, pair);
    await store.insertEnrollmentToken(record);
    expect((await store.redeemEnrollmentToken(record.tokenHash, at(1))).outcome).toBe('ok');
    expect(await store.redeemEnrollmentToken(record.tokenHash, at(2))).toEqual({ outcome: 'already_used' });
    expect(await store.redeemEnrollmentToken(record.tokenHash, at(FIFTEEN_MINUTES * 10))).toEqual({
      outcome: 'already_used',
    });
  });

  it('an unknown hash is unknown, and redeeming it creates nothing', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    await store.insertEnrollmentToken(tokenRecord(1, pair));
    expect(await store.redeemEnrollmentToken(hex64(2), at(1))).toEqual({ outcome: 'unknown' });
    expect(await store.redeemEnrollmentToken(hex64(2), at(2))).toEqual({ outcome: 'unknown' });
    expect(await store.redeemEnrollmentToken('', at(2))).toEqual({ outcome: 'unknown' });
  });

  it('expiry is exact: ok one millisecond before expiresAt, expired at expiresAt', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const early = tokenRecord(1, pair);
    const late = tokenRecord(2, pair);
    await store.insertEnrollmentToken(early);
    await store.insertEnrollmentToken(late);
    expect((await store.redeemEnrollmentToken(early.tokenHash, at(FIFTEEN_MINUTES - 1))).outcome).toBe('ok');
    expect(await store.redeemEnrollmentToken(late.tokenHash, at(FIFTEEN_MINUTES))).toEqual({
      outcome: 'expired',
    });
  });

  it('an expired token is not consumed: it stays expired and is never reported already_used', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const record = tokenRecord(1, pair);
    await store.insertEnrollmentToken(record);
    expect((await store.redeemEnrollmentToken(record.tokenHash, at(FIFTEEN_MINUTES + 1))).outcome).toBe(
      'expired',
    );
    expect((await store.redeemEnrollmentToken(record.tokenHash, at(FIFTEEN_MINUTES + 2))).outcome).toBe(
      'expired',
    );
  });

  it('inserting a token hash twice rejects with StoreError and the first token still redeems once', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const record = tokenRecord(1, pair);
    await store.insertEnrollmentToken(record);
    await expect(
      store.insertEnrollmentToken(tokenRecord(1, pair, { expiresAt: at(FIFTEEN_MINUTES * 4) })),
    ).rejects.toBeInstanceOf(StoreError);
    const result = await store.redeemEnrollmentToken(record.tokenHash, at(1));
    expect(result).toEqual({ outcome: 'ok', record: { ...record, usedAt: at(1) } });
  });

  it('tokens of one grant are independent: using one leaves the other redeemable', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const first = tokenRecord(1, pair);
    const second = tokenRecord(2, pair);
    await store.insertEnrollmentToken(first);
    await store.insertEnrollmentToken(second);
    expect((await store.redeemEnrollmentToken(first.tokenHash, at(1))).outcome).toBe('ok');
    const result = await store.redeemEnrollmentToken(second.tokenHash, at(2));
    expect(result).toEqual({ outcome: 'ok', record: { ...second, usedAt: at(2) } });
  });

  it('the record a redemption returns is a copy', async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const record = tokenRecord(1, pair);
    await store.insertEnrollmentToken(record);
    const result = await store.redeemEnrollmentToken(record.tokenHash, at(1));
    if (result.outcome !== 'ok') throw new Error(`expected ok, got ${result.outcome}`);
    result.record.usedAt = null;
    result.record.expiresAt.setTime(Number.MAX_SAFE_INTEGER / 2);
    expect((await store.redeemEnrollmentToken(record.tokenHash, at(2))).outcome).toBe('already_used');
  });

  it(`${REDEEMERS} parallel redemptions of one token: exactly one ok, the rest already_used`, async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const record = tokenRecord(1, pair);
    await store.insertEnrollmentToken(record);
    const results = await race(REDEEMERS, (i) => store.redeemEnrollmentToken(record.tokenHash, at(i + 1)));
    expect(tally(results)).toEqual({ ok: 1, already_used: REDEEMERS - 1 });
    const winner = results.findIndex((r) => r.status === 'fulfilled' && r.value.outcome === 'ok');
    const won = results[winner];
    expect(won?.status === 'fulfilled' && won.value.outcome === 'ok' && won.value.record.usedAt).toEqual(
      at(winner + 1),
    );
    expect((await store.redeemEnrollmentToken(record.tokenHash, at(REDEEMERS + 1))).outcome).toBe(
      'already_used',
    );
  });

  it(`${REDEEMERS} parallel redemptions spread over 8 tokens: exactly one ok per token`, async () => {
    const store = await ctx.fresh();
    const pair = await seedGrant(store, 1);
    const records = Array.from({ length: 8 }, (_, n) => tokenRecord(n + 1, pair));
    for (const r of records) await store.insertEnrollmentToken(r);
    const results = await race(REDEEMERS, (i) =>
      store.redeemEnrollmentToken(records[i % 8]!.tokenHash, at(i + 1)),
    );
    expect(tally(results)).toEqual({ ok: 8, already_used: REDEEMERS - 8 });
    const okHashes = results.flatMap((r) =>
      r.status === 'fulfilled' && r.value.outcome === 'ok' ? [r.value.record.tokenHash] : [],
    );
    expect(new Set(okHashes).size).toBe(8);
  });

  crossHandleIt(
    ctx,
    `${REDEEMERS} parallel redemptions of one token split over two handles: exactly one ok, the rest already_used`,
    async ([a, b]) => {
      const pair = await seedGrant(a, 1);
      const record = tokenRecord(1, pair);
      await a.insertEnrollmentToken(record);
      const results = await race(REDEEMERS, (i) =>
        (i % 2 === 0 ? a : b).redeemEnrollmentToken(record.tokenHash, at(i + 1)),
      );
      expect(tally(results)).toEqual({ ok: 1, already_used: REDEEMERS - 1 });
    },
  );
};
