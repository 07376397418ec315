/**
 * Versioned SQL migrations: read from disk at run time, applied once inside `BEGIN
 * IMMEDIATE`, each recorded with its SHA-256 checksum. Which files are pending, what
 * drifted and when to refuse are core's rules (`planMigrations`); this file owns the
 * folder, the transaction and the `schema_migrations` rows.
 *
 * @module @fedtrust/adapter-sqlite
 */
import { readdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import {
  type AppliedMigration,
  type MigrationStatus as CoreMigrationStatus,
  type LoadedMigration,
  type Logger,
  migrationFailed,
  parseMigrationFiles,
  planMigrations,
  refuseChangedMigrations,
} from '@fedtrust/core';
import type BetterSqlite3 from 'better-sqlite3';
import type { MigrationStatus } from './types.js';

function dirUrl(dir: string | URL): URL {
  const url = dir instanceof URL ? dir : pathToFileURL(dir);
  return url.pathname.endsWith('/') ? url : new URL(`${url.href}/`);
}

/** Reads every `.sql` file of the folder; core orders them and refuses any misnamed one. */
export function loadMigrations(dir: string | URL): LoadedMigration[] {
  const base = dirUrl(dir);
  const names = readdirSync(base).filter((n) => n.endsWith('.sql'));
  return parseMigrationFiles(
    names.map((fileName) => ({ fileName, sql: readFileSync(new URL(fileName, base), 'utf8') })),
  );
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
  applied_at: number;
}

function readApplied(db: BetterSqlite3.Database): AppliedMigration[] {
  const present = db
    .prepare("SELECT 1 AS present FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (present === undefined) return [];
  const rows = db
    .prepare('SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version')
    .all() as AppliedRow[];
  return rows.map((r) => ({
    version: Number(r.version),
    name: r.name,
    checksum: r.checksum,
    appliedAt: new Date(Number(r.applied_at)),
  }));
}

function withJournalMode(db: BetterSqlite3.Database, status: CoreMigrationStatus): MigrationStatus {
  const journalMode = String(db.pragma('journal_mode', { simple: true }));
  const { applied, pending, drift, upToDate } = status;
  return { applied, pending, drift, journalMode, upToDate };
}

function compare(db: BetterSqlite3.Database, files: readonly LoadedMigration[]) {
  return planMigrations(files, readApplied(db));
}

/** Reports applied, pending and drifted migrations without writing anything. */
export function readMigrationStatus(
  db: BetterSqlite3.Database,
  migrationsDir: string | URL,
): MigrationStatus {
  return withJournalMode(db, compare(db, loadMigrations(migrationsDir)).status);
}

/**
 * Applies every pending migration in one `BEGIN IMMEDIATE` transaction: a second process
 * opening the same file waits on the write lock, then finds everything applied. All or
 * nothing — a failing migration or a changed applied file leaves the database as it was.
 * With `apply: false` it only refuses drift and applies nothing.
 */
export function applyMigrations(
  db: BetterSqlite3.Database,
  migrationsDir: string | URL,
  logger: Logger,
  apply = true,
): MigrationStatus {
  const files = loadMigrations(migrationsDir);
  if (!apply) {
    const { status } = compare(db, files);
    refuseChangedMigrations(status);
    return withJournalMode(db, status);
  }
  const applied: LoadedMigration[] = [];
  const status = db
    .transaction(() => {
      db.exec(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           version     INTEGER PRIMARY KEY,
           name        TEXT NOT NULL,
           checksum    TEXT NOT NULL,
           applied_at  INTEGER NOT NULL
         ) STRICT`,
      );
      const before = compare(db, files);
      refuseChangedMigrations(before.status);
      for (const d of before.status.drift) {
        logger.warn('applied migration unknown to this release (a newer release applied it)', {
          version: d.version,
          name: d.name,
        });
      }
      const record = db.prepare(
        'INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)',
      );
      for (const migration of before.toApply) {
        try {
          db.exec(migration.sql);
        } catch (error) {
          throw migrationFailed(migration, error);
        }
        record.run(migration.version, migration.name, migration.checksum, Date.now());
        applied.push(migration);
      }
      return withJournalMode(db, compare(db, files).status);
    })
    .immediate();
  // Logged after commit, so a line never reports a migration that was rolled back.
  for (const m of applied) logger.info('applied migration', { version: m.version, name: m.name });
  return status;
}
