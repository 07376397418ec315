/**
 * `@fedtrust/adapter-pg`: the scale-out `FederationStore` on PostgreSQL, for deployments
 * where several gateway replicas share one database.
 *
 * @module @fedtrust/adapter-pg
 */
export { MigrationError, type MigrationErrorCode, wrapPgError } from './errors.js';
export { type LoadedMigration, loadMigrations } from './migrate.js';
export { DEFAULT_MIGRATIONS_DIR } from './migrations-dir.js';
export { pgStore } from './pg-store.js';
export type {
  AppliedMigration,
  MigrationDrift,
  MigrationFile,
  MigrationStatus,
  PgFederationStore,
  PgPool,
  PgPoolClient,
  PgQueryable,
  PgStoreOptions,
} from './types.js';
