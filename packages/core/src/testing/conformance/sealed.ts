/**
 * Conformance: sealed records — `putSealed`, `getSealed`, `listSealed`. The store keeps
 * envelopes verbatim; it never sees plaintext.
 *
 * @module @fedtrust/core/testing
 */
import { expect, it } from 'vitest';
import type { SealedRecord } from '../../ports/store.js';
import { at, crossHandleIt, race } from './fixtures.js';
import type { ConformanceSection } from './section.js';

function sealedRecord(id: string, keyId: string, n: number): SealedRecord {
  // Envelope-shaped text with characters a careless encoder would mangle.
  return { id, keyId, envelope: `v1.${keyId}.${'A'.repeat(n)}+/=_-.${n}`, updatedAt: at(n) };
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
