import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isFedtrustError } from '@fedtrust/core';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MigrationError } from './errors.js';
import { DEFAULT_MIGRATIONS_DIR } from './migrations-dir.js';
import { sqliteStore } from './sqlite-store.js';

let dir: string;
let migrations: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fedtrust-sqlite-migrate-'));
  // A private copy of the shipped migrations, so a test can tamper with it.
  migrations = join(dir, 'migrations');
  cpSync(fileURLToPath(DEFAULT_MIGRATIONS_DIR), migrations, { recursive: true });
  file = join(dir, 'fedtrust.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

const tables = (db: Database.Database) =>
  (
    db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[]
  ).map((r) => r.name);

describe('migrations', () => {
  it('the shipped migrations resolve relative to the module and create every table', async () => {
    await using store = sqliteStore(file);
    const status = await store.migrationStatus();
    expect(status.pending).toEqual([]);
    expect(status.applied.map((m) => `${m.version}_${m.name}`)).toEqual(['1_initial']);
    expect(status.upToDate).toBe(true);
    const db = new Database(file, { readonly: true });
    expect(tables(db)).toEqual([
      'audit_events',
      'certificate_bindings',
      'enrollment_tokens',
      'grants',
      'peers',
      'pending_compensations',
      'provider_tokens',
      'schema_migrations',
      'sealed_records',
    ]);
    db.close();
  });

  it('records each migration with the SHA-256 of its file, once, however often the store opens', async () => {
    for (let i = 0; i < 3; i++) {
      const store = sqliteStore(file, { migrationsDir: migrations });
      await store.migrate();
      await store.close();
    }
    const db = new Database(file, { readonly: true });
    const rows = db.prepare('SELECT version, name, checksum FROM schema_migrations').all();
    const { createHash } = await import('node:crypto');
    const checksum = createHash('sha256')
      .update(readFileSync(join(migrations, '0001_initial.sql')))
      .digest('hex');
    expect(rows).toEqual([{ version: 1, name: 'initial', checksum }]);
    db.close();
  });

  it('refuses to start when an applied migration file changed, and names it with a remediation', async () => {
    await sqliteStore(file, { migrationsDir: migrations }).close();
    appendFileSync(join(migrations, '0001_initial.sql'), '\n-- an innocent-looking edit\n');

    const error = thrown(() => sqliteStore(file, { migrationsDir: migrations }));
    expect(error).toBeInstanceOf(MigrationError);
    expect(isFedtrustError(error) && error.code).toBe('migration_checksum_mismatch');
    expect((error as MigrationError).message).toContain('0001_initial');
    expect((error as MigrationError).remediation).toMatch(/new numbered file/);
    // Also with migrate: false: a changed schema is never served.
    expect(thrown(() => sqliteStore(file, { migrationsDir: migrations, migrate: false }))).toBeInstanceOf(
      MigrationError,
    );
  });

  it('applies a new numbered file on the next start, and a failing one applies nothing', async () => {
    await sqliteStore(file, { migrationsDir: migrations }).close();
    writeFileSync(join(migrations, '0002_notes.sql'), 'CREATE TABLE notes (id TEXT PRIMARY KEY) STRICT;');
    writeFileSync(
      join(migrations, '0003_broken.sql'),
      'CREATE TABLE half_done (id TEXT) STRICT;\nALTER TABLE no_such_table ADD COLUMN x TEXT;',
    );
    const error = thrown(() => sqliteStore(file, { migrationsDir: migrations }));
    expect(isFedtrustError(error) && error.code).toBe('migration_failed');
    let db = new Database(file, { readonly: true });
    expect(tables(db)).not.toContain('notes');
    expect(tables(db)).not.toContain('half_done');
    db.close();

    rmSync(join(migrations, '0003_broken.sql'));
    await using store = sqliteStore(file, { migrationsDir: migrations });
    expect((await store.migrationStatus()).applied.map((m) => m.version)).toEqual([1, 2]);
    db = new Database(file, { readonly: true });
    expect(tables(db)).toContain('notes');
    db.close();
  });

  it('with migrate: false reports pending migrations without applying them', async () => {
    await using store = sqliteStore(file, { migrationsDir: migrations, migrate: false });
    const status = await store.migrationStatus();
    expect(status.applied).toEqual([]);
    expect(status.pending.map((m) => m.name)).toEqual(['initial']);
    expect(status.upToDate).toBe(false);
    await expect(store.getGrant('g-1')).rejects.toMatchObject({ code: 'store_error' });
    await store.migrate();
    expect((await store.migrationStatus()).upToDate).toBe(true);
    expect(await store.getGrant('g-1')).toBeNull();
  });

  it('rejects a migration file that is not named NNNN_name.sql', () => {
    writeFileSync(join(migrations, 'extra.sql'), 'SELECT 1;');
    const error = thrown(() => sqliteStore(file, { migrationsDir: migrations }));
    expect(isFedtrustError(error) && error.code).toBe('migration_file_invalid');
  });

  it('warns, but starts, when the database holds a migration newer than this release', async () => {
    writeFileSync(join(migrations, '0002_future.sql'), 'CREATE TABLE future (id TEXT) STRICT;');
    await sqliteStore(file, { migrationsDir: migrations }).close();
    rmSync(join(migrations, '0002_future.sql'));
    const warnings: string[] = [];
    const logger = {
      debug() {},
      info() {},
      warn: (message: string) => void warnings.push(message),
      error() {},
    };
    await using store = sqliteStore(file, { migrationsDir: migrations, logger });
    expect(warnings).toEqual(['applied migration unknown to this release (a newer release applied it)']);
    expect((await store.migrationStatus()).drift).toMatchObject([{ version: 2, kind: 'unknown' }]);
  });
});
