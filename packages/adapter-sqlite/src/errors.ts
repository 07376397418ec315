/**
 * Errors of the SQLite adapter: migration refusals and the one place driver errors are
 * wrapped into `StoreError`.
 *
 * @module @fedtrust/adapter-sqlite
 */
import { type FedtrustError, isFedtrustError, StoreError, toStoreError } from '@fedtrust/core';

/**
 * The store refused to migrate or start; core's error, so its codes
 * (`migration_checksum_mismatch`, `migration_failed`, `migration_file_invalid`) and
 * remediations are the same as `@fedtrust/adapter-pg`'s.
 */
export { MigrationError, type MigrationErrorCode } from '@fedtrust/core';

function sqliteCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/**
 * Wraps a driver error into a `StoreError` exactly once (fedtrust errors pass through),
 * keeping SQLite's extended result code in `details.sqliteCode`. A lock held past the busy
 * timeout gets its own remediation, since that is an operator's problem, not a bug.
 */
export function wrapSqliteError(error: unknown, operation: string): FedtrustError {
  if (isFedtrustError(error)) return error;
  const code = sqliteCode(error);
  if (code === undefined) return toStoreError(error, operation);
  const message = error instanceof Error ? error.message : String(error);
  const details = { operation, sqliteCode: code };
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreError(
      `${operation} failed: the database stayed locked past the busy timeout (${message})`,
      {
        cause: error,
        details,
        remediation:
          'Another process holds a long write transaction on the SQLite file; find it, or raise busyTimeoutMs.',
      },
    );
  }
  return new StoreError(`${operation} failed: ${message}`, { cause: error, details });
}
