import { appendFile, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isFedtrustError } from '@fedtrust/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MigrationError } from './errors.js';
import { loadMigrations } from './migrate.js';
import { DEFAULT_MIGRATIONS_DIR } from './migrations-dir.js';
import { pgStore } from './pg-store.js';
import { openPgFixture, type PgFixture } from './test-fixture.js';

let fx: PgFixture;
const tempDirs: string[] = [];

beforeAll(async () => {
  fx = await openPgFixture();
});
afterAll(async () => {
  await fx?.close();
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fedtrust-migrations-'));
  tempDirs.push(dir);
  await cp(fileURLToPath(DEFAULT_MIGRATIONS_DIR), dir, { recursive: true });
  return dir;
}

async function appliedVersions(schema: string): Promise<number[]> {
  const { rows } = await fx.admin.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
  return rows.map((r) => (r as { version: number }).version);
}

describe('migrate()', () => {
  it('creates the schema, applies every shipped migration once, and records its SHA-256 checksum', async () => {
    const schema = fx.schemaName();
    const store = pgStore(fx.pool, { schema });
    const before = await store.migrationStatus();
    expect(before.applied).toEqual([]);
    expect(before.pending.length).toBeGreaterThan(0);
    expect(before.upToDate).toBe(false);

    const after = await store.migrate();
    const files = await loadMigrations(DEFAULT_MIGRATIONS_DIR);
    expect(after.upToDate).toBe(true);
    expect(after.pending).toEqual([]);
    expect(after.applied.map((a) => [a.version, a.checksum])).toEqual(
      files.map((f) => [f.version, f.checksum]),
    );
    expect(after.applied.every((a) => /^[0-9a-f]{64}$/.test(a.checksum))).toBe(true);

    const again = await store.migrate();
    expect(again.applied).toEqual(after.applied);
    expect(await appliedVersions(schema)).toEqual(files.map((f) => f.version));
  });

  it('reports whether the pool role is a superuser, for doctor', async () => {
    const store = await fx.store();
    expect((await store.migrationStatus()).superuser).toBe(true);
    const schema = store.schema;
    const role = `fedtrust_app_${schema}`;
    await fx.admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'app'`);
    await fx.admin.query(`GRANT USAGE ON SCHEMA "${schema}" TO ${role}`);
    await fx.admin.query(`GRANT SELECT ON ALL TABLES IN SCHEMA "${schema}" TO ${role}`);
    const url = new URL(fx.db.connectionString);
    url.username = role;
    url.password = 'app';
    const limited = new pg.Pool({ connectionString: url.href, max: 1 });
    try {
      const status = await pgStore(limited, { schema }).migrationStatus();
      expect(status.superuser).toBe(false);
      expect(status.upToDate).toBe(true);
    } finally {
      await limited.end();
      await fx.admin.query(`DROP OWNED BY ${role}`);
      await fx.admin.query(`DROP ROLE ${role}`);
    }
  });

  it('refuses to start with migration_checksum_mismatch when an applied file changed, and changes nothing', async () => {
    const dir = await copyOfMigrations();
    const schema = fx.schemaName();
    await pgStore(fx.pool, { schema, migrationsDir: dir }).migrate();
    await appendFile(join(dir, '0001_initial.sql'), '\n-- an innocent-looking edit\n');
    await writeFile(join(dir, '9999_later.sql'), 'CREATE TABLE must_not_exist (x int);\n');

    const tampered = pgStore(fx.pool, { schema, migrationsDir: dir });
    const error = await tampered.migrate().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MigrationError);
    expect(isFedtrustError(error) && error.code).toBe('migration_checksum_mismatch');
    expect((error as MigrationError).remediation).toMatch(/new numbered file/);
    expect(await appliedVersions(schema)).toEqual([1]);
    const { rows } = await fx.admin.query('SELECT to_regclass($1) AS t', [`"${schema}".must_not_exist`]);
    expect(rows[0]).toEqual({ t: null });

    const status = await tampered.migrationStatus();
    expect(status.upToDate).toBe(false);
    expect(status.drift).toEqual([
      expect.objectContaining({
        version: 1,
        kind: 'changed',
        fileChecksum: expect.stringMatching(/^[0-9a-f]{64}$/),
      }),
    ]);
  });

  it('tolerates a migration applied by a newer release but reports it as drift', async () => {
    const dir = await copyOfMigrations();
    await writeFile(join(dir, '0002_newer.sql'), 'CREATE TABLE newer_feature (x int);\n');
    const schema = fx.schemaName();
    await pgStore(fx.pool, { schema, migrationsDir: dir }).migrate();

    const older = pgStore(fx.pool, { schema });
    const status = await older.migrate();
    expect(status.drift).toEqual([
      expect.objectContaining({ version: 2, kind: 'unknown', fileChecksum: null }),
    ]);
    expect(await appliedVersions(schema)).toEqual([1, 2]);
  });

  it('two migrate() calls racing from two pools both succeed and apply each migration once', async () => {
    const schema = fx.schemaName();
    const replicaA = pgStore(fx.newPool(2), { schema });
    const replicaB = pgStore(fx.newPool(2), { schema });
    const results = await Promise.all([replicaA.migrate(), replicaB.migrate(), replicaA.migrate()]);
    expect(results.every((r) => r.upToDate)).toBe(true);
    const files = await loadMigrations(DEFAULT_MIGRATIONS_DIR);
    expect(await appliedVersions(schema)).toEqual(files.map((f) => f.version));
    expect(await fx.count(schema, 'provider_tokens')).toBe(0);
  });

  it('a failing migration applies nothing (all or nothing) and says which file failed', async () => {
    const dir = await copyOfMigrations();
    await writeFile(
      join(dir, '0002_broken.sql'),
      'CREATE TABLE half_done (x int);\nSELECT no_such_function();\n',
    );
    const schema = fx.schemaName();
    const error = await pgStore(fx.pool, { schema, migrationsDir: dir })
      .migrate()
      .catch((e: unknown) => e);
    expect(isFedtrustError(error) && error.code).toBe('migration_failed');
    expect((error as Error).message).toMatch(/0002_broken/);
    const { rows } = await fx.admin.query('SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1', [
      schema,
    ]);
    expect(rows[0]).toEqual({ n: 0 });
  });

  it('rejects migration files that are not named NNNN_name.sql instead of skipping them', async () => {
    const dir = await copyOfMigrations();
    await writeFile(join(dir, 'add-column.sql'), 'SELECT 1;\n');
    const error = await pgStore(fx.pool, { schema: fx.schemaName(), migrationsDir: dir })
      .migrate()
      .catch((e: unknown) => e);
    expect(isFedtrustError(error) && error.code).toBe('migration_file_invalid');
  });

  it('rejects a schema name that is not a plain identifier before touching the database', () => {
    expect(() => pgStore(fx.pool, { schema: 'public"; DROP TABLE x; --' })).toThrow(
      expect.objectContaining({ code: 'pg_schema_invalid' }),
    );
  });
});
