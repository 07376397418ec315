/**
 * Public types of the SQLite store.
 *
 * @module @fedtrust/adapter-sqlite
 */
import type { MigrationStatus as CoreMigrationStatus, FederationStore, Logger } from '@fedtrust/core';

export interface SqliteStoreOptions {
  /** Directory (path or `file:` URL) of the numbered `.sql` migrations; defaults to the package's own. */
  migrationsDir?: string | URL;
  /** How long a statement waits for another connection's write lock before failing (default 5000 ms). */
  busyTimeoutMs?: number;
  /**
   * SQLite's `synchronous` level for the WAL journal. `'full'` (the default) syncs the WAL
   * at every commit: an audit record that was committed before its answer was sent
   * survives a power loss or an OS crash. `'normal'` syncs only at checkpoints: every
   * commit still survives a crash of the process, but a power loss or OS crash may roll
   * back the last transactions (the chain stays valid, it just ends earlier), so an answer
   * may have left whose record is gone. Choose `'normal'` only where that loss is
   * acceptable or the disk's cache is protected; it removes an fsync from every commit.
   * Concurrent audit appends share one commit (group commit) under either level.
   */
  synchronous?: 'full' | 'normal';
  /** Receives one line per migration applied. Default: silent. */
  logger?: Logger;
  /**
   * Apply pending migrations when the store is created (default `true`). With `false` the
   * store still refuses a changed applied migration; `fedtrust doctor` uses it to report
   * pending migrations without applying them.
   */
  migrate?: boolean;
}

/** Core's migration types, re-exported under the names this package always exported. */
export type { AppliedMigration, MigrationDrift, MigrationFile } from '@fedtrust/core';

/** What `fedtrust doctor` reports about the database: core's status plus the journal mode. */
export interface MigrationStatus extends CoreMigrationStatus {
  /** `wal` for a file database; `memory` for `:memory:`. */
  journalMode: string;
}

/** The SQLite store: the full port plus migrations. */
export interface SqliteFederationStore extends FederationStore, AsyncDisposable {
  /**
   * Apply pending migrations in one `BEGIN IMMEDIATE` transaction, so two processes opening
   * the same file apply each migration exactly once. Rejects with
   * `migration_checksum_mismatch` when an applied file changed, and applies nothing then.
   */
  migrate(): Promise<MigrationStatus>;
  /** Read-only report for doctor: applied, pending, drift. */
  migrationStatus(): Promise<MigrationStatus>;
}
