/**
 * Types what the `adapter-pg` global setup provides to test files.
 *
 * @module @fedtrust/adapter-pg/testing
 */
import type { PgServerInfo } from './embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's embedded Postgres (superuser credentials on 127.0.0.1). */
    fedtrustPg: PgServerInfo;
  }
}
