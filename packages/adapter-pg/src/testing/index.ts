/**
 * `@fedtrust/adapter-pg/testing`: a real, throwaway Postgres for tests, the demo and
 * benchmarks — no Postgres installation needed.
 *
 * @module @fedtrust/adapter-pg/testing
 */
export {
  type EmbeddedPostgresServer,
  type PgServerInfo,
  pgConnectionString,
  type StartEmbeddedPostgresOptions,
  startEmbeddedPostgres,
} from './embedded-postgres.js';
export { createTestDatabase, type TestDatabase } from './test-database.js';
