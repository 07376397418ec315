/**
 * Versioned SQL migrations: read from disk at run time, applied once under an advisory
 * lock, each recorded with its SHA-256 checksum. Which files are pending, what drifted and
 * when to refuse are core's rules (`planMigrations`); this file owns the folder, the lock,
 * the transaction and the `schema_migrations` rows.
 *
 * @module @fedtrust/adapter-pg
 */
import { readdir, readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import {
  type AppliedMigration,
  type LoadedMigration as CoreLoadedMigration,
  type MigrationStatus as CoreMigrationStatus,
  type Logger,
  migrationFailed,
  parseMigrationFiles,
  planMigrations,
  refuseChangedMigrations,
} from '@fedtrust/core';
import { quoteIdent } from './sql.js';
import { withTransaction } from './transaction.js';
import type { MigrationStatus, PgPool, PgQueryable } from './types.js';

/** A migration file with its SQL text (core's type). */
export type LoadedMigration = CoreLoadedMigration;

function dirUrl(dir: string | URL): URL {
  const url = dir instanceof URL ? dir : pathToFileURL(dir);
  return url.pathname.endsWith('/') ? url : new URL(`${url.href}/`);
}

/** Reads `NNNN_name.sql` files in version order; any other `.sql` name is an error, not ignored. */
export async function loadMigrations(dir: string | URL): Promise<LoadedMigration[]> {
  const base = dirUrl(dir);
  const names = (await readdir(base)).filter((n) => n.endsWith('.sql'));
  const sources = await Promise.all(
    names.map(async (fileName) => ({ fileName, sql: await readFile(new URL(fileName, base), 'utf8') })),
  );
  return parseMigrationFiles(sources);
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
  applied_at: Date;
}

async function readApplied(db: PgQueryable, schema: string): Promise<AppliedMigration[]> {
  const { rows } = await db.query('SELECT to_regclass($1) IS NOT NULL AS present', [
    `${quoteIdent(schema)}.schema_migrations`,
  ]);
  if ((rows[0] as { present: boolean } | undefined)?.present !== true) return [];
  const applied = await db.query(
    `SELECT version, name, checksum, applied_at FROM ${quoteIdent(schema)}.schema_migrations ORDER BY version`,
  );
  return (applied.rows as AppliedRow[]).map((r) => ({
    version: Number(r.version),
    name: r.name,
    checksum: r.checksum,
    appliedAt: new Date(r.applied_at),
  }));
}

async function isSuperuser(db: PgQueryable): Promise<boolean> {
  const { rows } = await db.query(`SELECT current_setting('is_superuser') = 'on' AS superuser`);
  return (rows[0] as { superuser: boolean } | undefined)?.superuser === true;
}

function withRole(schema: string, status: CoreMigrationStatus, superuser: boolean): MigrationStatus {
  const { applied, pending, drift, upToDate } = status;
  return { schema, applied, pending, drift, superuser, upToDate };
}

async function statusOf(
  db: PgQueryable,
  schema: string,
  files: readonly LoadedMigration[],
): Promise<MigrationStatus> {
  const superuser = await isSuperuser(db);
  return withRole(schema, planMigrations(files, await readApplied(db, schema)).status, superuser);
}

/**
 * Reports applied, pending and drifted migrations without locking or writing anything; a
 * schema that does not exist yet reports every migration as pending.
 */
export async function readMigrationStatus(
  db: PgQueryable,
  schema: string,
  migrationsDir: string | URL,
): Promise<MigrationStatus> {
  return statusOf(db, schema, await loadMigrations(migrationsDir));
}

/**
 * Applies every pending migration in one transaction that first takes
 * `pg_advisory_xact_lock` on the schema's migration key: a second replica waits, then finds
 * everything applied. All or nothing — a failing migration or a changed applied file
 * leaves the database as it was. The lock is released by commit, rollback or a dropped
 * connection, so a crashed migrator never wedges the others.
 */
export async function applyMigrations(
  pool: PgPool,
  schema: string,
  migrationsDir: string | URL,
  logger: Logger,
): Promise<MigrationStatus> {
  const files = await loadMigrations(migrationsDir);
  const s = quoteIdent(schema);
  return withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      `fedtrust.migrate:${schema}`,
    ]);
    // Checked first because CREATE SCHEMA IF NOT EXISTS demands the CREATE privilege even
    // when the schema exists, and a least-privilege role may lack it.
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rows.length === 0) await client.query(`CREATE SCHEMA ${s}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
         version integer PRIMARY KEY,
         name text NOT NULL,
         checksum text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const before = planMigrations(files, await readApplied(client, schema));
    refuseChangedMigrations(before.status, { schema });
    for (const d of before.status.drift) {
      logger.warn('applied migration unknown to this release (a newer release applied it)', {
        schema,
        version: d.version,
        name: d.name,
      });
    }
    await client.query(`SET LOCAL search_path TO ${s}`);
    for (const migration of before.toApply) {
      try {
        await client.query(migration.sql);
      } catch (error) {
        throw migrationFailed(migration, error, { schema });
      }
      await client.query(`INSERT INTO ${s}.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)`, [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      logger.info('applied migration', { schema, version: migration.version, name: migration.name });
    }
    return statusOf(client, schema, files);
  });
}
