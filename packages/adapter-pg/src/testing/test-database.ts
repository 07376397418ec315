/**
 * One fresh database per test file on the run's shared embedded Postgres.
 *
 * @module @fedtrust/adapter-pg/testing
 */
import { randomBytes } from 'node:crypto';
import { quoteIdent } from '../sql.js';
import { adminQuery, type PgServerInfo, pgConnectionString } from './embedded-postgres.js';
import './provided-context.js';

/** A database that exists until `drop()` (or `await using` ends). */
export interface TestDatabase extends AsyncDisposable {
  name: string;
  /** `postgres://` URL of this database as the server's superuser. */
  connectionString: string;
  /** The server it lives on (for admin connections, e.g. `pg_terminate_backend`). */
  server: PgServerInfo;
  /** Drop the database, disconnecting whatever is still connected. Idempotent. */
  drop(): Promise<void>;
}

/**
 * Creates a fresh, empty database on `server`, or — inside a vitest run of the
 * `adapter-pg` project — on the server its global setup started (`inject('fedtrustPg')`).
 * vitest is imported lazily so the helper also works in plain Node scripts given a server.
 */
export async function createTestDatabase(server?: PgServerInfo): Promise<TestDatabase> {
  const info = server ?? (await import('vitest')).inject('fedtrustPg');
  if (info === undefined) {
    throw new Error(
      'createTestDatabase() found no server: run it in the adapter-pg vitest project (its globalSetup ' +
        'starts one) or pass startEmbeddedPostgres() to it.',
    );
  }
  const name = `fedtrust_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(info, `CREATE DATABASE ${quoteIdent(name)}`);
  let dropped: Promise<void> | null = null;
  const drop = (): Promise<void> => {
    dropped ??= adminQuery(info, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    return dropped;
  };
  return {
    name,
    connectionString: pgConnectionString(info, name),
    server: info,
    drop,
    [Symbol.asyncDispose]: drop,
  };
}
