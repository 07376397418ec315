/**
 * Test support for this package's own tests (not exported): a per-file database with a
 * few pools, and a fresh, migrated schema per store so tests never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pgStore } from './pg-store.js';
import { quoteIdent } from './sql.js';
import { createTestDatabase, type TestDatabase } from './testing/index.js';
import type { PgFederationStore, PgStoreOptions } from './types.js';

export interface PgFixture {
  db: TestDatabase;
  /** The main pool (8 connections), as a host would pass it. */
  pool: pg.Pool;
  /** A superuser pool for counting rows and terminating backends behind the store's back. */
  admin: pg.Pool;
  /** Another pool on the same database (a second replica); ended by `close()`. */
  newPool(max?: number): pg.Pool;
  /** A fresh schema name. */
  schemaName(): string;
  /** A migrated store in a fresh schema (or `options.schema`) on `pool` (default the main pool). */
  store(options?: PgStoreOptions & { pool?: pg.Pool }): Promise<PgFederationStore>;
  /** Rows of `schema.table`, optionally filtered by a WHERE clause. */
  count(schema: string, table: string, where?: string, values?: unknown[]): Promise<number>;
  close(): Promise<void>;
}

export async function openPgFixture(): Promise<PgFixture> {
  const db = await createTestDatabase();
  const pools: pg.Pool[] = [];
  const newPool = (max = 8): pg.Pool => {
    const pool = new pg.Pool({ connectionString: db.connectionString, max });
    // A backend terminated while idle must not crash the test process.
    pool.on('error', () => {});
    pools.push(pool);
    return pool;
  };
  const pool = newPool(8);
  const admin = newPool(2);
  const schemaName = () => `t_${randomBytes(5).toString('hex')}`;
  return {
    db,
    pool,
    admin,
    newPool,
    schemaName,
    async store(options = {}) {
      const store = pgStore(options.pool ?? pool, { schema: schemaName(), ...options });
      await store.migrate();
      return store;
    },
    async count(schema, table, where = 'true', values = []) {
      const { rows } = await admin.query(
        `SELECT count(*)::int AS n FROM ${quoteIdent(schema)}.${quoteIdent(table)} WHERE ${where}`,
        values,
      );
      return (rows[0] as { n: number }).n;
    },
    async close() {
      await Promise.all(pools.splice(0).map((p) => p.end()));
      await db.drop();
    },
  };
}
