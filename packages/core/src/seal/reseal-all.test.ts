import { describe, expect, it } from 'vitest';
import type { Clock } from '../ports/runtime.js';
import type { SealedRecord, SealedStore } from '../ports/store.js';
import { systemRandom } from '../system/index.js';
import { memoryStore } from '../testing/memory-store.js';
import { createSealer } from './create-sealer.js';
import { generateSealKey } from './generate-seal-key.js';
import { resealAll } from './reseal-all.js';
import { openRecord, sealRecord } from './sealed-record.js';

/** The smallest SealedStore: the port's three methods over a Map. */
function mapStore(): SealedStore & { rows: Map<string, SealedRecord> } {
  const rows = new Map<string, SealedRecord>();
  return {
    rows,
    async putSealed(record) {
      rows.set(record.id, { ...record });
    },
    async getSealed(id) {
      return rows.get(id) ?? null;
    },
    async listSealed() {
      return [...rows.values()];
    },
  };
}

const k1 = generateSealKey(systemRandom);
const k2 = generateSealKey(systemRandom);
const t0 = new Date('2026-01-01T00:00:00Z');
const later: Clock = { now: () => new Date('2026-06-01T00:00:00Z') };
const text = (s: string) => new TextEncoder().encode(s);

describe('resealAll', () => {
  it('moves every record to the current key, keeps the secrets, and a second run has nothing to do', async () => {
    const store = mapStore();
    const old = createSealer({ keys: { k1 }, currentKeyId: 'k1', random: systemRandom });
    for (const id of ['ca:root', 'client-key:p1', 'client-key:p2']) {
      await store.putSealed(await sealRecord(old, id, text(`secret of ${id}`), t0));
    }
    const rotated = createSealer({ keys: { k2, k1 }, currentKeyId: 'k2', random: systemRandom });
    await store.putSealed(await sealRecord(rotated, 'client-key:p3', text('secret of client-key:p3'), t0));

    const first = await resealAll(store, rotated, { clock: later });
    expect(first).toEqual({ total: 4, resealed: 3, alreadyCurrent: 1, failed: [], changed: [] });
    const onlyNew = createSealer({ keys: { k2 }, currentKeyId: 'k2', random: systemRandom });
    for (const record of store.rows.values()) {
      expect(record.keyId).toBe('k2');
      expect(onlyNew.keyIdOf(record.envelope)).toBe('k2');
      expect(new TextDecoder().decode(await openRecord(onlyNew, record))).toBe(`secret of ${record.id}`);
    }
    expect(store.rows.get('ca:root')?.updatedAt).toEqual(later.now());
    expect(store.rows.get('client-key:p3')?.updatedAt).toEqual(t0);

    expect(await resealAll(store, rotated)).toEqual({
      total: 4,
      resealed: 0,
      alreadyCurrent: 4,
      failed: [],
      changed: [],
    });
  });

  it('reports records it cannot open and leaves them byte for byte as they were', async () => {
    const store = mapStore();
    const lost = createSealer({
      keys: { k0: generateSealKey(systemRandom) },
      currentKeyId: 'k0',
      random: systemRandom,
    });
    const orphan = await sealRecord(lost, 'client-key:orphan', text('gone'), t0);
    await store.putSealed(orphan);
    const old = createSealer({ keys: { k1 }, currentKeyId: 'k1', random: systemRandom });
    const moved = await sealRecord(old, 'client-key:moved', text('x'), t0);
    await store.putSealed({ ...moved, id: 'client-key:copied' });

    const rotated = createSealer({ keys: { k2, k1 }, currentKeyId: 'k2', random: systemRandom });
    const report = await resealAll(store, rotated);
    expect(report.resealed).toBe(0);
    expect(report.failed).toEqual([
      { id: 'client-key:orphan', keyId: 'k0', code: 'seal_key_unknown' },
      { id: 'client-key:copied', keyId: 'k1', code: 'seal_open_failed' },
    ]);
    expect(store.rows.get('client-key:orphan')).toEqual(orphan);
  });

  it('a record another writer replaces while resealAll runs keeps the newer secret (no lost update)', async () => {
    const store = memoryStore();
    const old = createSealer({ keys: { k1 }, currentKeyId: 'k1', random: systemRandom });
    const rotated = createSealer({ keys: { k2, k1 }, currentKeyId: 'k2', random: systemRandom });
    for (const id of ['client-key:p1', 'client-key:p2']) {
      await store.putSealed(await sealRecord(old, id, text(`old secret of ${id}`), t0));
    }
    // The other writer (a renewal storing a new client key, still under the old key) lands
    // after resealAll listed the records and before it writes them back.
    const racing: SealedStore = {
      ...store,
      async listSealed() {
        const listed = await store.listSealed();
        await store.putSealed(await sealRecord(old, 'client-key:p1', text('renewed secret'), later.now()));
        return listed;
      },
    };
    const report = await resealAll(racing, rotated, { clock: later });
    expect(report).toMatchObject({ total: 2, resealed: 1, changed: ['client-key:p1'], failed: [] });
    const p1 = (await store.getSealed('client-key:p1')) as SealedRecord;
    expect(new TextDecoder().decode(await openRecord(rotated, p1))).toBe('renewed secret');
    // A second run moves the renewed record too.
    expect(await resealAll(store, rotated)).toMatchObject({ resealed: 1, alreadyCurrent: 1, changed: [] });
    expect(
      new TextDecoder().decode(await openRecord(rotated, (await store.getSealed('client-key:p1'))!)),
    ).toBe('renewed secret');
  });

  it('stops on a store failure instead of reporting success', async () => {
    const store = mapStore();
    const old = createSealer({ keys: { k1 }, currentKeyId: 'k1', random: systemRandom });
    await store.putSealed(await sealRecord(old, 'ca:root', text('root key'), t0));
    const failing: SealedStore = {
      ...store,
      async putSealed() {
        throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
      },
    };
    const rotated = createSealer({ keys: { k2, k1 }, currentKeyId: 'k2', random: systemRandom });
    await expect(resealAll(failing, rotated)).rejects.toThrow('disk I/O error');
    expect(store.rows.get('ca:root')?.keyId).toBe('k1');
  });
});
