/**
 * Errors of versioned migrations. Both storage adapters throw these codes, so a caller
 * (the CLI's doctor, a host's start-up) can branch on `code` whichever store is configured.
 *
 * @module @fedtrust/core/migrations
 */
import { FedtrustError, type FedtrustErrorOptions } from '../errors/fedtrust-error.js';
import type { MigrationFile } from './types.js';

/** Every code core's migration rules throw, with its remediation. */
export const MIGRATION_ERRORS = {
  /** An applied migration's file changed since it was applied. */
  migration_checksum_mismatch: {
    remediation:
      'Restore the migration files shipped with this fedtrust release (applied migrations must never change); ' +
      'put schema changes in a new numbered file.',
  },
  /** A migration's SQL failed; the transaction was rolled back. */
  migration_failed: {
    remediation: 'Read the cause, fix the database or the migration, and start again; nothing was applied.',
  },
  /** A `.sql` file is not named `NNNN_name.sql`, or two files share a version. */
  migration_file_invalid: {
    remediation:
      'Name migration files NNNN_name.sql (four digits, lower-case name) and keep versions unique.',
  },
} as const satisfies Record<string, { remediation: string }>;

/** A stable migration error code from {@link MIGRATION_ERRORS}. */
export type MigrationErrorCode = keyof typeof MIGRATION_ERRORS;

function isMigrationErrorCode(code: string): code is MigrationErrorCode {
  return Object.hasOwn(MIGRATION_ERRORS, code);
}

/**
 * The store refused to migrate or start (status 500). Nothing was applied when this is
 * thrown. An adapter may add a code of its own (`pg_schema_invalid`) by passing its
 * remediation; `Code` then names the adapter's wider union.
 */
export class MigrationError<Code extends string = MigrationErrorCode> extends FedtrustError {
  static override readonly code: string = 'migration_error';
  override readonly name = 'MigrationError';
  declare readonly code: Code;

  constructor(code: Code & MigrationErrorCode, message: string, options?: FedtrustErrorOptions);
  constructor(code: Code, message: string, options: FedtrustErrorOptions & { remediation: string });
  constructor(code: Code, message: string, options: FedtrustErrorOptions = {}) {
    super(code, message, {
      status: 500,
      ...(isMigrationErrorCode(code) ? { remediation: MIGRATION_ERRORS[code].remediation } : {}),
      ...options,
    });
  }
}

/** `NNNN_name`, as migration files are named; how every migration message names one. */
export function migrationLabel(migration: { version: number; name: string }): string {
  return `${String(migration.version).padStart(4, '0')}_${migration.name}`;
}

/**
 * The `migration_failed` error for a migration whose SQL threw, keeping the driver's
 * message and the cause. `details` carries the version plus the caller's facts (schema).
 */
export function migrationFailed(
  migration: MigrationFile,
  cause: unknown,
  details: Record<string, unknown> = {},
): MigrationError {
  return new MigrationError(
    'migration_failed',
    `Migration ${migrationLabel(migration)} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
    { cause, details: { ...details, version: migration.version } },
  );
}
