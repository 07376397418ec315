/**
 * The README's first example, run as written against a real SQLite file in a fresh folder,
 * and compared with the README's code block so the two cannot drift.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteStore } from '@fedtrust/adapter-sqlite';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectReadmeExample } from '../../../test-support/readme-example.js';

const home = process.cwd();
const dir = mkdtempSync(join(tmpdir(), 'fedtrust-sqlite-readme-'));
// The example names a relative file, as a user in their project folder would.
beforeAll(() => process.chdir(dir));
afterAll(() => {
  process.chdir(home);
  rmSync(dir, { recursive: true, force: true });
});

describe('README', () => {
  it('the first example opens ./fedtrust.db, migrates it in WAL mode, reads and closes', async () => {
    // example:start
    const store = sqliteStore('./fedtrust.db'); // opens, sets WAL, applies pending migrations
    const grant = await store.getGrant('g-1');
    await store.close();
    // example:end

    expect(grant).toBeNull();
    const db = new Database(join(dir, 'fedtrust.db'), { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare('SELECT version, name FROM schema_migrations').all()).toEqual([
        { version: 1, name: 'initial' },
      ]);
      expect(db.prepare('SELECT count(*) AS n FROM grants').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    await expect(store.getGrant('g-1')).rejects.toMatchObject({ code: 'store_error' });
  });

  it('is the code this test runs', () => {
    expectReadmeExample(new URL('../README.md', import.meta.url), new URL(import.meta.url));
  });
});
