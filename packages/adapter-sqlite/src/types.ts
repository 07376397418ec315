/**
 * Public types of the SQLite store.
 *
 * @module @fedtrust/adapter-sqlite
 */
import type { FederationStore, Logger } from '@fedtrust/core';

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

/** A migration file found on disk. */
export interface MigrationFile {
  version: number;
  name: string;
  /** SHA-256 hex of the file's bytes. */
  checksum: string;
}

/** A migration recorded as applied in `schema_migrations`. */
export interface AppliedMigration extends MigrationFile {
  appliedAt: Date;
}

/** An applied migration that no longer matches the files shipped with this version. */
export interface MigrationDrift {
  version: number;
  name: string;
  /** `changed`: the file's checksum differs; `unknown`: applied by a newer release, no file here. */
  kind: 'changed' | 'unknown';
  appliedChecksum: string;
  fileChecksum: string | null;
}

/** What `fedtrust doctor` reports about the database. */
export interface MigrationStatus {
  applied: AppliedMigration[];
  pending: MigrationFile[];
  drift: MigrationDrift[];
  /** `wal` for a file database; `memory` for `:memory:`. */
  journalMode: string;
  /** No pending migration and no drift. */
  upToDate: boolean;
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
