/**
 * Types of versioned SQL migrations, shared by every storage adapter.
 *
 * @module @fedtrust/core/migrations
 */

/** A migration file as an adapter read it: its name in the folder and its text. Core reads no files. */
export interface MigrationSource {
  /** The file's name, without directory (`0001_initial.sql`). */
  fileName: string;
  /** The file's text, decoded as UTF-8. */
  sql: string;
}

/** A migration file shipped with this release. */
export interface MigrationFile {
  version: number;
  name: string;
  /** SHA-256 hex of the file's bytes. */
  checksum: string;
}

/** A migration file with its SQL text. */
export interface LoadedMigration extends MigrationFile {
  sql: string;
}

/** A migration recorded as applied in the store's `schema_migrations` table. */
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

/** Applied, pending and drifted migrations; adapters add their own facts (schema, journal mode). */
export interface MigrationStatus {
  applied: AppliedMigration[];
  pending: MigrationFile[];
  drift: MigrationDrift[];
  /** No pending migration and no drift. */
  upToDate: boolean;
}

/** What {@link planMigrations} decided: the status, and the files to apply in order. */
export interface MigrationPlan<F extends MigrationFile = MigrationFile> {
  status: MigrationStatus;
  /** The pending files themselves (with their SQL when given loaded migrations), lowest version first. */
  toApply: F[];
}
