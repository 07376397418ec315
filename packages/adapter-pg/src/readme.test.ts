/**
 * The README's first example, run as written against a fresh database on the run's embedded
 * Postgres (DATABASE_URL points at it), and compared with the README's code block.
 */
import { pgStore } from '@fedtrust/adapter-pg';
import { createTestDatabase, type TestDatabase } from '@fedtrust/adapter-pg/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectReadmeExample } from '../../../test-support/readme-example.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  vi.stubEnv('DATABASE_URL', database.connectionString);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await database?.drop();
});

describe('README', () => {
  it('the first example migrates a fresh database, and a second replica finds nothing to do', async () => {
    // example:start
    const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
    const store = pgStore(pool);
    await store.migrate(); // once at start-up; safe when every replica does it at once
    // example:end

    try {
      const status = await store.migrationStatus();
      expect(status).toMatchObject({ schema: 'fedtrust', upToDate: true, pending: [], drift: [] });
      expect(status.applied.map((m) => m.version)).toEqual([1]);
      const { rows } = await pool.query('SELECT version, name FROM fedtrust.schema_migrations');
      expect(rows).toEqual([{ version: 1, name: 'initial' }]);
      const replica = pgStore(pool);
      await replica.migrate();
      expect((await pool.query('SELECT count(*)::int AS n FROM fedtrust.schema_migrations')).rows).toEqual([
        { n: 1 },
      ]);
      expect(await store.getGrant('g-1')).toBeNull();
      await replica.close();
      await store.close();
    } finally {
      await pool.end();
    }
  });

  it('is the code this test runs', () => {
    expectReadmeExample(new URL('../README.md', import.meta.url), new URL(import.meta.url));
  });
});
