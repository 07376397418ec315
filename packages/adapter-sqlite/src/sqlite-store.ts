/**
 * `sqliteStore`: the embedded default `FederationStore`, one SQLite file on better-sqlite3.
 *
 * @module @fedtrust/adapter-sqlite
 */
import { StoreError, silentLogger } from '@fedtrust/core';
import Database from 'better-sqlite3';
import { connection } from './connection.js';
import { wrapSqliteError } from './errors.js';
import { applyMigrations, readMigrationStatus } from './migrate.js';
import { DEFAULT_MIGRATIONS_DIR } from './migrations-dir.js';
import { auditMethods } from './store/audit.js';
import { certificateMethods } from './store/certificates.js';
import { compensationMethods } from './store/compensations.js';
import { enrollmentMethods } from './store/enrollment.js';
import { grantMethods } from './store/grants.js';
import { providerTokenMethods } from './store/provider-tokens.js';
import { sealedMethods } from './store/sealed.js';
import type { SqliteFederationStore, SqliteStoreOptions } from './types.js';

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

function synchronousPragma(level: SqliteStoreOptions['synchronous'] = 'full'): 'FULL' | 'NORMAL' {
  if (level === 'full') return 'FULL';
  if (level === 'normal') return 'NORMAL';
  throw new StoreError(`synchronous must be 'full' or 'normal', not ${JSON.stringify(level)}.`, {
    details: { operation: 'open' },
    remediation: "Pass synchronous: 'full' (the default) or 'normal'.",
  });
}

/**
 * Opens (or adopts) a SQLite database as a fedtrust store: WAL journal, busy timeout,
 * foreign keys on, and pending migrations applied in one `BEGIN IMMEDIATE` transaction.
 * Throws `migration_checksum_mismatch` (and applies nothing) when an applied migration
 * file changed, and a `StoreError` when the file cannot be opened.
 *
 * Every primitive is one SQL statement or one `BEGIN IMMEDIATE` transaction, so the
 * port's race contracts hold across connections and processes sharing the file. Audit
 * appends made while the event loop is busy share one transaction (group commit), and
 * each caller's promise settles only once its own record is committed. A `Database`
 * passed in stays the host's: `close()` leaves it open, after committing queued appends.
 * `synchronous` is FULL unless `options.synchronous` says `'normal'` (see
 * {@link SqliteStoreOptions.synchronous}).
 *
 * @example
 * const store = sqliteStore('./fedtrust.db');
 * await store.getGrant('g-1');
 * await store.close();
 */
export function sqliteStore(
  pathOrDatabase: string | Database.Database,
  options: SqliteStoreOptions = {},
): SqliteFederationStore {
  const owned = typeof pathOrDatabase === 'string';
  let db: Database.Database;
  try {
    db = owned ? new Database(pathOrDatabase) : pathOrDatabase;
  } catch (error) {
    throw new StoreError(
      `Opening the SQLite database failed: ${error instanceof Error ? error.message : error}`,
      {
        cause: error,
        details: { operation: 'open' },
        remediation: 'Check that the directory of the SQLite file exists and is writable by this process.',
      },
    );
  }
  const migrationsDir = options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  const logger = options.logger ?? silentLogger;
  try {
    // WAL lets readers run beside the single writer; the busy timeout makes a second
    // connection wait for the write lock instead of failing at once.
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS))}`);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronousPragma(options.synchronous)}`);
    db.pragma('foreign_keys = ON');
    applyMigrations(db, migrationsDir, logger, options.migrate !== false);
  } catch (error) {
    if (owned) db.close();
    throw wrapSqliteError(error, 'open');
  }

  const c = connection(db);
  const { flush: flushAudit, ...audit } = auditMethods(c);
  return {
    ...grantMethods(c),
    ...certificateMethods(c),
    ...enrollmentMethods(c),
    ...providerTokenMethods(c),
    ...audit,
    ...sealedMethods(c),
    ...compensationMethods(c),

    migrate: () => c.run('migrate', () => applyMigrations(db, migrationsDir, logger)),
    migrationStatus: () => c.run('migrationStatus', () => readMigrationStatus(db, migrationsDir)),

    async close() {
      // Appends already accepted are committed (or rejected) before the handle goes away.
      flushAudit();
      c.markClosed();
      if (owned && db.open) db.close();
    },
    async [Symbol.asyncDispose]() {
      await this.close();
    },
  };
}
