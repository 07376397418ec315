/**
 * Errors of the Postgres adapter: migration refusals and the one place driver errors are
 * wrapped into `StoreError`.
 *
 * @module @fedtrust/adapter-pg
 */
import {
  FedtrustError,
  type FedtrustErrorOptions,
  isFedtrustError,
  StoreError,
  toStoreError,
} from '@fedtrust/core';

/** Codes a {@link MigrationError} carries. */
export type MigrationErrorCode =
  | 'migration_checksum_mismatch'
  | 'migration_failed'
  | 'migration_file_invalid'
  | 'pg_schema_invalid';

const REMEDIATION: Record<MigrationErrorCode, string> = {
  migration_checksum_mismatch:
    'Restore the migration files shipped with this fedtrust release (applied migrations must never change); ' +
    'put schema changes in a new numbered file.',
  migration_failed:
    'Read the cause, fix the database or the migration, and start again; nothing was applied.',
  migration_file_invalid:
    'Name migration files NNNN_name.sql (four digits, lower-case name) and keep versions unique.',
  pg_schema_invalid:
    'Pass a schema name of letters, digits and underscores that does not start with a digit.',
};

/** The store refused to migrate or start. Nothing was applied when this is thrown. */
export class MigrationError extends FedtrustError {
  static override readonly code: string = 'migration_error';
  override readonly name = 'MigrationError';
  declare readonly code: MigrationErrorCode;
  constructor(code: MigrationErrorCode, message: string, options: FedtrustErrorOptions = {}) {
    super(code, message, { status: 500, remediation: REMEDIATION[code], ...options });
  }
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EAI_AGAIN',
]);

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Wraps a driver error into a `StoreError` exactly once (fedtrust errors pass through). A
 * server that cannot be reached gets its own message and remediation, and the SQLSTATE,
 * when there is one, is kept in `details.sqlstate` for diagnosis.
 */
export function wrapPgError(error: unknown, operation: string): FedtrustError {
  if (isFedtrustError(error)) return error;
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (
    (code !== undefined && UNREACHABLE_CODES.has(code)) ||
    /timeout exceeded when trying to connect|Connection terminated due to connection timeout/i.test(message)
  ) {
    return new StoreError(`${operation} failed: the Postgres server is unreachable (${message})`, {
      cause: error,
      details: { operation, unreachable: true, ...(code === undefined ? {} : { errno: code }) },
      remediation:
        "Check the pool's host, port and credentials, and that Postgres is running and reachable from this host.",
    });
  }
  if (!isFedtrustError(error) && code !== undefined && /^[0-9A-Z]{5}$/.test(code)) {
    return new StoreError(`${operation} failed: ${message}`, {
      cause: error,
      details: { operation, sqlstate: code },
    });
  }
  return toStoreError(error, operation);
}
