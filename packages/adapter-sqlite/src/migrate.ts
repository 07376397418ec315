/**
 * Versioned SQL migrations: read from disk at run time, applied once inside `BEGIN
 * IMMEDIATE`, each recorded with its SHA-256 checksum.
 *
 * @module @fedtrust/adapter-sqlite
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Logger } from '@fedtrust/core';
import type BetterSqlite3 from 'better-sqlite3';
import { MigrationError } from './errors.js';
import type { AppliedMigration, MigrationDrift, MigrationFile, MigrationStatus } from './types.js';

/** A migration file with its SQL text. */
export interface LoadedMigration extends MigrationFile {
  sql: string;
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

function dirUrl(dir: string | URL): URL {
  const url = dir instanceof URL ? dir : pathToFileURL(dir);
  return url.pathname.endsWith('/') ? url : new URL(`${url.href}/`);
}

/** Reads `NNNN_name.sql` files in version order; any other `.sql` name is an error, not ignored. */
export function loadMigrations(dir: string | URL): LoadedMigration[] {
  const base = dirUrl(dir);
  const names = readdirSync(base)
    .filter((n) => n.endsWith('.sql'))
    .sort();
  const migrations: LoadedMigration[] = [];
  for (const fileName of names) {
    const match = FILE_NAME.exec(fileName);
    if (match === null) {
      throw new MigrationError(
        'migration_file_invalid',
        `Migration file ${fileName} is not named NNNN_name.sql.`,
        {
          details: { file: fileName },
        },
      );
    }
    const version = Number(match[1]);
    if (migrations.some((m) => m.version === version)) {
      throw new MigrationError('migration_file_invalid', `Two migration files share version ${version}.`, {
        details: { file: fileName, version },
      });
    }
    const bytes = readFileSync(new URL(fileName, base));
    migrations.push({
      version,
      name: match[2] ?? fileName,
      checksum: createHash('sha256').update(bytes).digest('hex'),
      sql: bytes.toString('utf8'),
    });
  }
  return migrations;
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
  applied_at: number;
}

function readApplied(db: BetterSqlite3.Database): AppliedRow[] {
  const present = db
    .prepare("SELECT 1 AS present FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (present === undefined) return [];
  return db
    .prepare('SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version')
    .all() as AppliedRow[];
}

function compare(db: BetterSqlite3.Database, files: readonly MigrationFile[]): MigrationStatus {
  const applied: AppliedMigration[] = readApplied(db).map((r) => ({
    version: Number(r.version),
    name: r.name,
    checksum: r.checksum,
    appliedAt: new Date(Number(r.applied_at)),
  }));
  const drift: MigrationDrift[] = [];
  for (const a of applied) {
    const file = files.find((f) => f.version === a.version);
    if (file === undefined) {
      drift.push({
        version: a.version,
        name: a.name,
        kind: 'unknown',
        appliedChecksum: a.checksum,
        fileChecksum: null,
      });
    } else if (file.checksum !== a.checksum) {
      drift.push({
        version: a.version,
        name: a.name,
        kind: 'changed',
        appliedChecksum: a.checksum,
        fileChecksum: file.checksum,
      });
    }
  }
  const pending = files
    .filter((f) => !applied.some((a) => a.version === f.version))
    .map(({ version, name, checksum }) => ({ version, name, checksum }));
  const journalMode = String(db.pragma('journal_mode', { simple: true }));
  return { applied, pending, drift, journalMode, upToDate: pending.length === 0 && drift.length === 0 };
}

function refuseChanged(status: MigrationStatus): void {
  const changed = status.drift.filter((d) => d.kind === 'changed');
  if (changed.length === 0) return;
  const list = changed.map((d) => `${String(d.version).padStart(4, '0')}_${d.name}`).join(', ');
  throw new MigrationError(
    'migration_checksum_mismatch',
    `Applied migration ${list} no longer matches its file; refusing to start.`,
    { details: { drift: changed } },
  );
}

/** Reports applied, pending and drifted migrations without writing anything. */
export function readMigrationStatus(
  db: BetterSqlite3.Database,
  migrationsDir: string | URL,
): MigrationStatus {
  return compare(db, loadMigrations(migrationsDir));
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
    const status = compare(db, files);
    refuseChanged(status);
    return status;
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
      refuseChanged(before);
      for (const d of before.drift) {
        logger.warn('applied migration unknown to this release (a newer release applied it)', {
          version: d.version,
          name: d.name,
        });
      }
      const record = db.prepare(
        'INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)',
      );
      for (const pending of before.pending) {
        const migration = files.find((f) => f.version === pending.version);
        if (migration === undefined) continue;
        try {
          db.exec(migration.sql);
        } catch (error) {
          throw new MigrationError(
            'migration_failed',
            `Migration ${String(migration.version).padStart(4, '0')}_${migration.name} failed: ${
              error instanceof Error ? error.message : String(error)
            }`,
            { cause: error, details: { version: migration.version } },
          );
        }
        record.run(migration.version, migration.name, migration.checksum, Date.now());
        applied.push(migration);
      }
      return compare(db, files);
    })
    .immediate();
  // Logged after commit, so a line never reports a migration that was rolled back.
  for (const m of applied) logger.info('applied migration', { version: m.version, name: m.name });
  return status;
}
