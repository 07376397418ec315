/**
 * Errors of the Postgres adapter: migration refusals and the one place driver errors are
 * wrapped into `StoreError`.
 *
 * @module @fedtrust/adapter-pg
 */
import {
  MigrationError as CoreMigrationError,
  type MigrationErrorCode as CoreMigrationErrorCode,
  type FedtrustError,
  isFedtrustError,
  StoreError,
  toStoreError,
} from '@fedtrust/core';

/** Codes a {@link MigrationError} carries: core's migration codes plus `pg_schema_invalid`. */
export type MigrationErrorCode = CoreMigrationErrorCode | 'pg_schema_invalid';

/**
 * The store refused to migrate or start. Nothing was applied when this is thrown. It is
 * core's `MigrationError` (so `instanceof` holds for errors core's migration rules throw),
 * typed with this adapter's codes.
 */
export const MigrationError = CoreMigrationError;
export type MigrationError = CoreMigrationError<MigrationErrorCode>;

/** Thrown by `pgStore` before touching the database when the schema name is unsafe. */
export function schemaInvalid(schema: string): MigrationError {
  return new MigrationError(
    'pg_schema_invalid',
    `Schema name ${JSON.stringify(schema)} is not a plain identifier.`,
    {
      details: { schema },
      remediation: 'Pass a schema name of letters, digits and underscores that does not start with a digit.',
    },
  );
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
