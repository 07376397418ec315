import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSealer, generateSealKey, openRecord, resealAll, sealRecord } from '@fedtrust/core';
import { systemClock, systemRandom } from '@fedtrust/core/system';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'fedtrust-sqlite-seal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sealed records in SQLite', () => {
  it('rotation: resealAll moves every row to the new key, secrets still open, no plaintext in the file', async () => {
    const file = join(dir, 'sealed.db');
    const k1 = generateSealKey(systemRandom);
    const k2 = generateSealKey(systemRandom);
    const secret = (id: string) => `-----BEGIN PRIVATE KEY-----\nsecret-of-${id}\n-----END PRIVATE KEY-----`;
    const ids = ['ca:root', 'client-key:p1', 'client-key:p2'];

    const store = sqliteStore(file);
    const before = createSealer({ keys: { k1 }, currentKeyId: 'k1', random: systemRandom });
    for (const id of ids) {
      await store.putSealed(
        await sealRecord(before, id, new TextEncoder().encode(secret(id)), systemClock.now()),
      );
    }
    const after = createSealer({ keys: { k2, k1 }, currentKeyId: 'k2', random: systemRandom });
    expect(await resealAll(store, after, { clock: systemClock })).toEqual({
      total: 3,
      resealed: 3,
      alreadyCurrent: 0,
      failed: [],
      changed: [],
    });
    const onlyK2 = createSealer({ keys: { k2 }, currentKeyId: 'k2', random: systemRandom });
    for (const id of ids) {
      const record = await store.getSealed(id);
      expect(record).not.toBeNull();
      expect(new TextDecoder().decode(await openRecord(onlyK2, record as NonNullable<typeof record>))).toBe(
        secret(id),
      );
    }
    await store.close();

    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT key_id, count(*) AS n FROM sealed_records GROUP BY key_id').all()).toEqual([
      { key_id: 'k2', n: 3 },
    ]);
    db.close();
    expect(readFileSync(file).toString('latin1')).not.toContain('PRIVATE KEY');
  });
});
