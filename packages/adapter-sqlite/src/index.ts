/**
 * `@fedtrust/adapter-sqlite`: the embedded default fedtrust store, one SQLite file on
 * better-sqlite3, with its migrations shipped in the package.
 *
 * @module @fedtrust/adapter-sqlite
 */
export { MigrationError, type MigrationErrorCode } from './errors.js';
export { DEFAULT_MIGRATIONS_DIR } from './migrations-dir.js';
export { sqliteStore } from './sqlite-store.js';
export type {
  AppliedMigration,
  MigrationDrift,
  MigrationFile,
  MigrationStatus,
  SqliteFederationStore,
  SqliteStoreOptions,
} from './types.js';
