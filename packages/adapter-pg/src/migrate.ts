/**
 * Versioned SQL migrations: read from disk at run time, applied once under an advisory
 * lock, each recorded with its SHA-256 checksum.
 *
 * @module @fedtrust/adapter-pg
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { Logger } from '@fedtrust/core';
import { MigrationError } from './errors.js';
import { quoteIdent } from './sql.js';
import { withTransaction } from './transaction.js';
import type {
  AppliedMigration,
  MigrationDrift,
  MigrationFile,
  MigrationStatus,
  PgPool,
  PgQueryable,
} from './types.js';

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
export async function loadMigrations(dir: string | URL): Promise<LoadedMigration[]> {
  const base = dirUrl(dir);
  const names = (await readdir(base)).filter((n) => n.endsWith('.sql')).sort();
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
    const bytes = await readFile(new URL(fileName, base));
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
  applied_at: Date;
}

function compare(
  schema: string,
  files: readonly MigrationFile[],
  appliedRows: readonly AppliedRow[],
  superuser: boolean,
): MigrationStatus {
  const applied: AppliedMigration[] = appliedRows.map((r) => ({
    version: Number(r.version),
    name: r.name,
    checksum: r.checksum,
    appliedAt: new Date(r.applied_at),
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
  return { schema, applied, pending, drift, superuser, upToDate: pending.length === 0 && drift.length === 0 };
}

async function isSuperuser(db: PgQueryable): Promise<boolean> {
  const { rows } = await db.query(`SELECT current_setting('is_superuser') = 'on' AS superuser`);
  return (rows[0] as { superuser: boolean } | undefined)?.superuser === true;
}

function refuseChanged(status: MigrationStatus): void {
  const changed = status.drift.filter((d) => d.kind === 'changed');
  if (changed.length === 0) return;
  const list = changed.map((d) => `${String(d.version).padStart(4, '0')}_${d.name}`).join(', ');
  throw new MigrationError(
    'migration_checksum_mismatch',
    `Applied migration ${list} in schema ${status.schema} no longer matches its file; refusing to start.`,
    { details: { schema: status.schema, drift: changed } },
  );
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
  const files = await loadMigrations(migrationsDir);
  const superuser = await isSuperuser(db);
  const { rows } = await db.query('SELECT to_regclass($1) IS NOT NULL AS present', [
    `${quoteIdent(schema)}.schema_migrations`,
  ]);
  if ((rows[0] as { present: boolean } | undefined)?.present !== true)
    return compare(schema, files, [], superuser);
  const applied = await db.query(
    `SELECT version, name, checksum, applied_at FROM ${quoteIdent(schema)}.schema_migrations ORDER BY version`,
  );
  return compare(schema, files, applied.rows as AppliedRow[], superuser);
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
    const before = await readMigrationStatus(client, schema, migrationsDir);
    refuseChanged(before);
    for (const d of before.drift) {
      logger.warn('applied migration unknown to this release (a newer release applied it)', {
        schema,
        version: d.version,
        name: d.name,
      });
    }
    await client.query(`SET LOCAL search_path TO ${s}`);
    for (const pending of before.pending) {
      const migration = files.find((f) => f.version === pending.version);
      if (migration === undefined) continue;
      try {
        await client.query(migration.sql);
      } catch (error) {
        throw new MigrationError(
          'migration_failed',
          `Migration ${String(migration.version).padStart(4, '0')}_${migration.name} failed: ${
            error instanceof Error ? error.message : String(error)
          }`,
          { cause: error, details: { schema, version: migration.version } },
        );
      }
      await client.query(`INSERT INTO ${s}.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)`, [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      logger.info('applied migration', { schema, version: migration.version, name: migration.name });
    }
    return readMigrationStatus(client, schema, migrationsDir);
  });
}
