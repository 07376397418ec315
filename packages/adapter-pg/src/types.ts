/**
 * The structural slice of `pg` that the store uses, and the store's own public types.
 * The types from `pg` are deliberately not imported into the public API (as kysely's
 * `PostgresPool` does): any pool with this shape works, and hosts on another `pg` major
 * see no type clash.
 *
 * @module @fedtrust/adapter-pg
 */
import type { MigrationStatus as CoreMigrationStatus, FederationStore, Logger } from '@fedtrust/core';

/** Anything that runs one parameterised statement: a `pg.Pool` or a checked-out client. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** A client checked out of the pool for one transaction. */
export interface PgPoolClient extends PgQueryable {
  /** Return the client; passing an error (or `true`) destroys the connection instead. */
  release(destroy?: Error | boolean): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}

/** The host's pool (`new pg.Pool(...)`). The store never creates, ends or reconfigures it. */
export interface PgPool extends PgQueryable {
  connect(): Promise<PgPoolClient>;
}

export interface PgStoreOptions {
  /**
   * Schema holding fedtrust's tables (default `fedtrust`), created by `migrate()` if
   * missing. Letters, digits and `_` only.
   */
  schema?: string;
  /** Directory (path or `file:` URL) of the numbered `.sql` migrations; defaults to the package's own. */
  migrationsDir?: string | URL;
  /** Receives one line per migration applied. Default: silent. */
  logger?: Logger;
}

/** Core's migration types, re-exported under the names this package always exported. */
export type { AppliedMigration, MigrationDrift, MigrationFile } from '@fedtrust/core';

/** What `fedtrust doctor` reports about the database: core's status plus schema and role. */
export interface MigrationStatus extends CoreMigrationStatus {
  schema: string;
  /** Whether the pool's role is a superuser (a deployment should run with a least-privilege role). */
  superuser: boolean;
}

/** The Postgres store: the full port plus migrations. */
export interface PgFederationStore extends FederationStore {
  /** The schema this store reads and writes. */
  readonly schema: string;
  /**
   * Apply pending migrations in one transaction under a transaction-scoped advisory lock,
   * so replicas starting together apply each migration exactly once. Rejects with
   * `migration_checksum_mismatch` when an applied file changed, and applies nothing then.
   */
  migrate(): Promise<MigrationStatus>;
  /** Read-only report for doctor: applied, pending, drift, superuser. Takes no lock. */
  migrationStatus(): Promise<MigrationStatus>;
}
