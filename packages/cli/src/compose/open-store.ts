/**
 * Opening the store an operator names by URL: `sqlite:./fedtrust.db` or `postgres://…`.
 * The CLI composes the adapters here; it implements no storage of its own.
 *
 * @module @fedtrust/cli
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { PgFederationStore } from '@fedtrust/adapter-pg';
import {
  type FederationStore,
  FedtrustError,
  isFedtrustError,
  type MigrationDrift,
  migrationLabel,
} from '@fedtrust/core';
import { UsageError } from '../output/exit-codes.js';

/** A parsed store URL. `display` never contains a password (userinfo or `?password=`-style parameter). */
export type StoreLocation =
  | { kind: 'sqlite'; path: string; display: string }
  | { kind: 'postgres'; connectionString: string; schema: string | undefined; display: string };

/** One migration as the CLI reports it, the same for both stores. */
export interface MigrationEntry {
  version: number;
  name: string;
  checksum: string;
  appliedAt?: Date;
}

/** An applied migration whose file changed (`changed`) or that this release does not ship (`unknown`): core's drift record. */
export type MigrationDriftEntry = MigrationDrift;

/** The migration state of a store, as `migrate status` and `doctor --check store` print it. */
export interface MigrationReport {
  applied: MigrationEntry[];
  pending: MigrationEntry[];
  drift: MigrationDriftEntry[];
  upToDate: boolean;
  /** Postgres only: whether the connected role is a superuser. */
  superuser?: boolean;
  /** Postgres only: the schema holding fedtrust's tables. */
  schema?: string;
}

/** An open store plus its migrations. `close` releases what the CLI opened (file handle, pool). */
export interface OpenedStore {
  location: StoreLocation;
  store: FederationStore;
  status(): Promise<MigrationReport>;
  migrate(): Promise<MigrationReport>;
  close(): Promise<void>;
}

const STORE_REMEDIATION =
  'Pass --store sqlite:./fedtrust.db or --store postgres://user@host/db (or set FEDTRUST_STORE).';

/** Parses a store URL; relative SQLite paths resolve against `cwd`. Throws `UsageError` (`store_url_invalid`). */
export function parseStoreUrl(url: string | undefined, cwd: string): StoreLocation {
  if (url === undefined || url.trim() === '') {
    throw new UsageError('store_missing', 'No store was given.', STORE_REMEDIATION);
  }
  if (url.startsWith('sqlite:')) {
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '' || path === ':memory:') {
      throw new UsageError(
        'store_url_invalid',
        `The SQLite store URL "${url}" names no file.`,
        'Name a database file, e.g. --store sqlite:./fedtrust.db; an in-memory database would vanish when the command ends.',
      );
    }
    const absolute = isAbsolute(path) ? path : resolve(cwd, path);
    return { kind: 'sqlite', path: absolute, display: `sqlite:${absolute}` };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError('store_url_invalid', 'The Postgres store URL does not parse.', STORE_REMEDIATION);
    }
    const schema = parsed.searchParams.get('schema') ?? undefined;
    parsed.searchParams.delete('schema');
    const display = new URL(parsed.href);
    if (display.password !== '') display.password = '***';
    // pg reads every query parameter as a connection setting, so `?password=` works too.
    for (const name of [...display.searchParams.keys()]) {
      if (/password/i.test(name)) display.searchParams.set(name, '***');
    }
    return {
      kind: 'postgres',
      connectionString: parsed.href,
      schema,
      display: display.href,
    };
  }
  throw new UsageError(
    'store_url_invalid',
    `The store URL "${url.replace(/:\/\/[^@/]*@/, '://***@')}" has an unknown scheme.`,
    STORE_REMEDIATION,
  );
}

/**
 * How to open: `use` for commands that read and write records (refuses a missing SQLite
 * file and a store with pending migrations or drift), `inspect` for `doctor` and
 * `migrate status` (applies nothing, reports drift), `migrate` for `migrate`.
 */
export type OpenMode = 'use' | 'inspect' | 'migrate';

/**
 * Opens the store at `location`. Nothing is ever migrated except in `migrate` mode, so a
 * command never changes the schema behind the operator's back.
 */
export async function openStore(
  location: StoreLocation,
  options: { mode: OpenMode; migrationsDir?: string | undefined },
): Promise<OpenedStore> {
  // Each adapter (and its driver) is loaded only when its URL is used, so a run pays for one.
  const opened =
    location.kind === 'sqlite' ? await openSqlite(location, options) : await openPostgres(location, options);
  if (options.mode === 'use') {
    try {
      const status = await opened.status();
      requireMigrated(status);
    } catch (error) {
      await opened.close();
      throw error;
    }
  }
  return opened;
}

async function openSqlite(
  location: Extract<StoreLocation, { kind: 'sqlite' }>,
  options: { mode: OpenMode; migrationsDir?: string | undefined },
): Promise<OpenedStore> {
  if (options.mode !== 'migrate' && !existsSync(location.path)) {
    throw new FedtrustError('store_not_found', `The SQLite file ${location.path} does not exist.`, {
      status: 404,
      remediation: `Create and migrate it with \`fedtrust migrate --store sqlite:${location.path}\`, or fix the path.`,
    });
  }
  const { sqliteStore } = await import('@fedtrust/adapter-sqlite');
  const store = sqliteStore(location.path, {
    migrate: false,
    ...(options.migrationsDir === undefined ? {} : { migrationsDir: options.migrationsDir }),
  });
  return {
    location,
    store,
    status: async () => fromAdapterStatus(await store.migrationStatus()),
    migrate: async () => fromAdapterStatus(await store.migrate()),
    close: () => store.close(),
  };
}

async function openPostgres(
  location: Extract<StoreLocation, { kind: 'postgres' }>,
  options: { mode: OpenMode; migrationsDir?: string | undefined },
): Promise<OpenedStore> {
  const [{ pgStore }, { default: pg }] = await Promise.all([import('@fedtrust/adapter-pg'), import('pg')]);
  const pool = new pg.Pool({
    connectionString: location.connectionString,
    max: 4,
    connectionTimeoutMillis: 5000,
  });
  // An idle client losing its connection must not crash the CLI; the next query reports it.
  pool.on('error', () => {});
  let store: PgFederationStore;
  try {
    store = pgStore(pool, {
      ...(location.schema === undefined ? {} : { schema: location.schema }),
      ...(options.migrationsDir === undefined ? {} : { migrationsDir: options.migrationsDir }),
    });
  } catch (error) {
    await pool.end();
    throw error;
  }
  return {
    location,
    store,
    status: async () => fromAdapterStatus(await store.migrationStatus()),
    migrate: async () => fromAdapterStatus(await store.migrate()),
    close: async () => {
      await store.close();
      await pool.end();
    },
  };
}

function fromAdapterStatus(status: {
  applied: MigrationEntry[];
  pending: MigrationEntry[];
  drift: MigrationDriftEntry[];
  upToDate: boolean;
  superuser?: boolean;
  schema?: string;
}): MigrationReport {
  return {
    applied: status.applied.map(({ version, name, checksum, appliedAt }) => ({
      version,
      name,
      checksum,
      ...(appliedAt === undefined ? {} : { appliedAt }),
    })),
    pending: status.pending.map(({ version, name, checksum }) => ({ version, name, checksum })),
    drift: status.drift.map((d) => ({ ...d })),
    upToDate: status.upToDate,
    ...(status.superuser === undefined ? {} : { superuser: status.superuser }),
    ...(status.schema === undefined ? {} : { schema: status.schema }),
  };
}

/** `NNNN_name`, as migration files are named: core's label, so the CLI and the adapters name a migration alike. */
export { migrationLabel };

function requireMigrated(status: MigrationReport): void {
  const changed = status.drift.filter((d) => d.kind === 'changed');
  if (changed.length > 0) {
    throw new FedtrustError(
      'migration_checksum_mismatch',
      `Applied migration ${changed.map(migrationLabel).join(', ')} no longer matches its file.`,
      {
        status: 409,
        remediation:
          'Restore the shipped migration file (never edit an applied one; add a new numbered file), then run `fedtrust doctor --check store`.',
      },
    );
  }
  if (status.pending.length > 0) {
    throw new FedtrustError(
      'store_not_migrated',
      `The store has ${status.pending.length} pending migration(s): ${status.pending.map(migrationLabel).join(', ')}.`,
      {
        status: 409,
        remediation: 'Apply them with `fedtrust migrate` (and check with `fedtrust migrate status`).',
      },
    );
  }
}

/** True when `error` is the adapter's refusal to open a store whose applied migration changed. */
export function isChecksumMismatch(error: unknown): error is FedtrustError {
  return isFedtrustError(error) && error.code === 'migration_checksum_mismatch';
}
