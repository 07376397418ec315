/**
 * Conformance: pending compensations of the enrollment saga — `addCompensation`,
 * `listPendingCompensations`, `noteCompensationAttempt`, `resolveCompensation`.
 *
 * @module @fedtrust/core/testing
 */
import { expect, it } from 'vitest';
import { StoreError } from '../../errors/fedtrust-error.js';
import { at, compensation, crossHandleIt, race } from './fixtures.js';
import type { ConformanceSection } from './section.js';

const RACERS = 32;

export const compensationsSection: ConformanceSection = (ctx) => {
  it('addCompensation stores the record exactly; it is listed as pending', async () => {
    const store = await ctx.fresh();
    const record = compensation(1);
    await store.addCompensation(record);
    expect(await store.listPendingCompensations()).toEqual([record]);
  });

  it('listPendingCompensations is oldest first, whatever the insertion order', async () => {
    const store = await ctx.fresh();
    const records = [compensation(3), compensation(1), compensation(2)];
    for (const r of records) await store.addCompensation(r);
    expect((await store.listPendingCompensations()).map((c) => c.id)).toEqual(
      [compensation(1), compensation(2), compensation(3)].map((c) => c.id),
    );
  });

  it('adding a compensation id twice rejects with StoreError and keeps the first', async () => {
    const store = await ctx.fresh();
    const record = compensation(1);
    await store.addCompensation(record);
    await expect(store.addCompensation({ ...compensation(1), reason: 'other' })).rejects.toBeInstanceOf(
      StoreError,
    );
    expect(await store.listPendingCompensations()).toEqual([record]);
  });

  it('noteCompensationAttempt increments attempts and records the last error', async () => {
    const store = await ctx.fresh();
    const record = compensation(1);
    await store.addCompensation(record);
    await store.noteCompensationAttempt(record.id, 'ca unreachable');
    await store.noteCompensationAttempt(record.id, 'ca returned 500');
    expect(await store.listPendingCompensations()).toEqual([
      { ...record, attempts: 2, lastError: 'ca returned 500' },
    ]);
  });

  it('noteCompensationAttempt of an unknown id rejects with StoreError (never a silent no-op)', async () => {
    const store = await ctx.fresh();
    await expect(store.noteCompensationAttempt(compensation(9).id, 'x')).rejects.toBeInstanceOf(StoreError);
  });

  it(`${RACERS} concurrent noteCompensationAttempt calls lose no increment`, async () => {
    const store = await ctx.fresh();
    const record = compensation(1);
    await store.addCompensation(record);
    const results = await race(RACERS, (i) => store.noteCompensationAttempt(record.id, `attempt ${i}`));
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    const [stored] = await store.listPendingCompensations();
    expect(stored?.attempts).toBe(RACERS);
    expect(stored?.lastError).toMatch(/^attempt \d+$/);
  });

  it('resolveCompensation stamps resolvedAt once and drops the record from the pending list', async () => {
    const store = await ctx.fresh();
    const a = compensation(1);
    const b = compensation(2);
    await store.addCompensation(a);
    await store.addCompensation(b);
    expect(await store.resolveCompensation(a.id, at(5_000))).toBe(true);
    expect(await store.resolveCompensation(a.id, at(6_000))).toBe(false);
    expect(await store.resolveCompensation(compensation(9).id, at(6_000))).toBe(false);
    expect(await store.listPendingCompensations()).toEqual([b]);
  });

  it('pending compensations read back are copies', async () => {
    const store = await ctx.fresh();
    const record = compensation(1);
    await store.addCompensation(record);
    const [read] = await store.listPendingCompensations();
    read!.resolvedAt = at(1);
    read!.attempts = 99;
    expect(await store.listPendingCompensations()).toEqual([record]);
  });

  it(`${RACERS} racing resolutions of one compensation: exactly one returns true`, async () => {
    const store = await ctx.fresh();
    const record = compensation(1);
    await store.addCompensation(record);
    const results = await race(RACERS, (i) => store.resolveCompensation(record.id, at(i)));
    expect(results.filter((r) => r.status === 'fulfilled' && r.value)).toHaveLength(1);
    expect(await store.listPendingCompensations()).toEqual([]);
  });

  crossHandleIt(
    ctx,
    `${RACERS} resolutions of one compensation split over two handles: exactly one wins`,
    async ([a, b]) => {
      const record = compensation(1);
      await a.addCompensation(record);
      const results = await race(RACERS, (i) => (i % 2 === 0 ? a : b).resolveCompensation(record.id, at(i)));
      expect(results.filter((r) => r.status === 'fulfilled' && r.value)).toHaveLength(1);
    },
  );

  crossHandleIt(ctx, `${RACERS} attempts noted over two handles lose no increment`, async ([a, b]) => {
    const record = compensation(1);
    await a.addCompensation(record);
    await race(RACERS, (i) => (i % 2 === 0 ? a : b).noteCompensationAttempt(record.id, `attempt ${i}`));
    expect((await b.listPendingCompensations())[0]?.attempts).toBe(RACERS);
  });
};
