/**
 * Errors of the SQLite adapter: migration refusals and the one place driver errors are
 * wrapped into `StoreError`.
 *
 * @module @fedtrust/adapter-sqlite
 */
import {
  FedtrustError,
  type FedtrustErrorOptions,
  isFedtrustError,
  StoreError,
  toStoreError,
} from '@fedtrust/core';

/** Codes a {@link MigrationError} carries (the same codes as `@fedtrust/adapter-pg`). */
export type MigrationErrorCode =
  | 'migration_checksum_mismatch'
  | 'migration_failed'
  | 'migration_file_invalid';

const REMEDIATION: Record<MigrationErrorCode, string> = {
  migration_checksum_mismatch:
    'Restore the migration files shipped with this fedtrust release (applied migrations must never change); ' +
    'put schema changes in a new numbered file.',
  migration_failed:
    'Read the cause, fix the database or the migration, and start again; nothing was applied.',
  migration_file_invalid:
    'Name migration files NNNN_name.sql (four digits, lower-case name) and keep versions unique.',
};

/** The store refused to migrate or start. Nothing was applied when this is thrown. */
export class MigrationError extends FedtrustError {
  override readonly name = 'MigrationError';
  declare readonly code: MigrationErrorCode;
  constructor(code: MigrationErrorCode, message: string, options: FedtrustErrorOptions = {}) {
    super(code, message, { status: 500, remediation: REMEDIATION[code], ...options });
  }
}

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
