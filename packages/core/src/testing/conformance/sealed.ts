/**
 * Conformance: sealed records — `putSealed`, `getSealed`, `listSealed`. The store keeps
 * envelopes verbatim; it never sees plaintext.
 *
 * @module @fedtrust/core/testing
 */
import { expect, it } from 'vitest';
import type { FederationStore, SealedRecord } from '../../ports/store.js';
import { at, crossHandleIt, race } from './fixtures.js';
import type { ConformanceSection } from './section.js';

function sealedRecord(id: string, keyId: string, n: number): SealedRecord {
  // Envelope-shaped text with characters a careless encoder would mangle.
  return { id, keyId, envelope: `v1.${keyId}.${'A'.repeat(n)}+/=_-.${n}`, updatedAt: at(n) };
}

/** The store's compare-and-set; every shipped store has it, so its absence fails the suite. */
function replaceSealedOf(store: FederationStore): NonNullable<FederationStore['replaceSealed']> {
  const replace = store.replaceSealed;
  expect(replace, 'store.replaceSealed is required by the conformance suite').toBeTypeOf('function');
  return (record, expected) => (replace as NonNullable<typeof replace>).call(store, record, expected);
}

export const sealedSection: ConformanceSection = (ctx) => {
  it('putSealed then getSealed returns the record byte for byte; an unknown id is null', async () => {
    const store = await ctx.fresh();
    const record = sealedRecord('ca:root', 'k1', 300);
    await store.putSealed(record);
    expect(await store.getSealed('ca:root')).toEqual(record);
    expect(await store.getSealed('ca:other')).toBeNull();
  });

  it('putSealed on an existing id replaces envelope, keyId and updatedAt (reseal), leaving one record', async () => {
    const store = await ctx.fresh();
    await store.putSealed(sealedRecord('client-key:p1', 'k1', 10));
    const resealed = sealedRecord('client-key:p1', 'k2', 20);
    await store.putSealed(resealed);
    expect(await store.getSealed('client-key:p1')).toEqual(resealed);
    expect(await store.listSealed()).toEqual([resealed]);
  });

  it('listSealed returns every record (empty store: none)', async () => {
    const store = await ctx.fresh();
    expect(await store.listSealed()).toEqual([]);
    const records = ['ca:root', 'ca:intermediate', 'client-key:a', 'client-key:b'].map((id, n) =>
      sealedRecord(id, n % 2 === 0 ? 'k1' : 'k2', n + 1),
    );
    for (const r of records) await store.putSealed(r);
    const listed = await store.listSealed();
    expect([...listed].sort((x, y) => x.id.localeCompare(y.id))).toEqual(
      [...records].sort((x, y) => x.id.localeCompare(y.id)),
    );
  });

  it('sealed records read back are copies', async () => {
    const store = await ctx.fresh();
    const record = sealedRecord('ca:root', 'k1', 5);
    await store.putSealed(record);
    const read = (await store.getSealed('ca:root')) as SealedRecord;
    read.envelope = 'tampered';
    read.updatedAt.setTime(0);
    const listed = await store.listSealed();
    listed[0]!.keyId = 'k9';
    expect(await store.getSealed('ca:root')).toEqual(record);
  });

  it('32 concurrent puts to one id leave exactly one of the written records, whole', async () => {
    const store = await ctx.fresh();
    const written = Array.from({ length: 32 }, (_, n) => sealedRecord('ca:root', `k${n}`, n + 1));
    const results = await race(written.length, (i) => store.putSealed(written[i]!));
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    const stored = await store.getSealed('ca:root');
    expect(written).toContainEqual(stored);
    expect(await store.listSealed()).toHaveLength(1);
  });

  it('replaceSealed with null inserts only an absent id; with an envelope, replaces only that envelope', async () => {
    const store = await ctx.fresh();
    const replace = replaceSealedOf(store);
    const first = sealedRecord('ca:root', 'k1', 1);
    expect(await replace(first, null)).toBe(true);
    expect(await replace(sealedRecord('ca:root', 'k1', 2), null)).toBe(false);
    expect(await store.getSealed('ca:root')).toEqual(first);

    const stale = sealedRecord('ca:root', 'k2', 3);
    expect(await replace(stale, 'ftseal.v1.k9.not-what-is-stored')).toBe(false);
    expect(await store.getSealed('ca:root')).toEqual(first);
    const next = sealedRecord('ca:root', 'k2', 4);
    expect(await replace(next, first.envelope)).toBe(true);
    expect(await store.getSealed('ca:root')).toEqual(next);
    expect(await replace(sealedRecord('ca:other', 'k2', 5), first.envelope)).toBe(false);
    expect(await store.listSealed()).toEqual([next]);
  });

  it('32 racing replaceSealed calls with one expectation: exactly one wins and its record is stored', async () => {
    const store = await ctx.fresh();
    const replace = replaceSealedOf(store);
    const created = Array.from({ length: 32 }, (_, n) => sealedRecord('ca:root', `c${n}`, n + 1));
    const creators = await race(created.length, (i) => replace(created[i]!, null));
    const createdBy = creators.flatMap((r, i) => (r.status === 'fulfilled' && r.value ? [i] : []));
    expect(creators.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(createdBy).toHaveLength(1);
    const base = created[createdBy[0]!]!;
    expect(await store.getSealed('ca:root')).toEqual(base);

    const resealed = Array.from({ length: 32 }, (_, n) => sealedRecord('ca:root', `r${n}`, n + 100));
    const replacers = await race(resealed.length, (i) => replace(resealed[i]!, base.envelope));
    const replacedBy = replacers.flatMap((r, i) => (r.status === 'fulfilled' && r.value ? [i] : []));
    expect(replacedBy).toHaveLength(1);
    expect(await store.getSealed('ca:root')).toEqual(resealed[replacedBy[0]!]);
  });

  crossHandleIt(
    ctx,
    '32 replaceSealed calls with one expectation split over two handles: exactly one wins',
    async ([a, b]) => {
      const base = sealedRecord('ca:root', 'k1', 1);
      await a.putSealed(base);
      const resealed = Array.from({ length: 32 }, (_, n) => sealedRecord('ca:root', `r${n}`, n + 2));
      const results = await race(resealed.length, (i) =>
        replaceSealedOf(i % 2 === 0 ? a : b)(resealed[i]!, base.envelope),
      );
      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' && r.value ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(await b.getSealed('ca:root')).toEqual(resealed[winners[0]!]);
    },
  );

  crossHandleIt(
    ctx,
    'a record sealed through one handle is read and resealed through the other',
    async ([a, b]) => {
      await a.putSealed(sealedRecord('ca:root', 'k1', 3));
      expect(await b.getSealed('ca:root')).toEqual(sealedRecord('ca:root', 'k1', 3));
      await b.putSealed(sealedRecord('ca:root', 'k2', 4));
      expect(await a.getSealed('ca:root')).toEqual(sealedRecord('ca:root', 'k2', 4));
    },
  );
};
