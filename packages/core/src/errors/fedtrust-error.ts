/**
 * Typed errors shared by every fedtrust package.
 *
 * @module @fedtrust/core/errors
 */

/** Options accepted by every {@link FedtrustError} constructor. */
export interface FedtrustErrorOptions {
  /** HTTP-like status a transport should answer with. */
  status?: number;
  /** One sentence telling the operator or developer what to do about it. */
  remediation?: string;
  /** The underlying error, kept for diagnosis (never shown to a remote peer). */
  cause?: unknown;
  /** Structured, non-secret details (paths of invalid fields, offending ids). */
  details?: Record<string, unknown>;
}

/**
 * Base class of every error fedtrust throws on purpose.
 *
 * `code` is stable and machine-readable; `remediation` is a sentence for humans. The
 * explicit `name` lets {@link isFedtrustError} recognise errors thrown by a second copy of
 * this module (two installed versions, a bundled copy).
 */
export class FedtrustError extends Error {
  static readonly code: string = 'fedtrust_error';
  override readonly name: string = 'FedtrustError';
  readonly code: string;
  readonly status: number;
  readonly remediation: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: FedtrustErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? 500;
    this.remediation =
      options.remediation ?? 'Report this as a fedtrust bug with the error code and message.';
    this.details = options.details;
  }

  /** A plain object safe to serialise into logs or a CLI `--json` document. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      status: this.status,
      message: this.message,
      remediation: this.remediation,
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

/** True for a {@link FedtrustError} from any copy of this module. */
export function isFedtrustError(value: unknown): value is FedtrustError {
  if (value instanceof FedtrustError) return true;
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    value instanceof Error &&
    typeof v['code'] === 'string' &&
    typeof v['status'] === 'number' &&
    typeof v['remediation'] === 'string'
  );
}

/**
 * A storage adapter failed (driver error, lost connection, constraint it did not expect).
 * Adapters wrap driver errors exactly once, at the port boundary; core treats it as
 * "could not decide" and fails closed.
 */
export class StoreError extends FedtrustError {
  static override readonly code = 'store_error';
  override readonly name = 'StoreError';
  constructor(message: string, options: FedtrustErrorOptions = {}) {
    super(StoreError.code, message, {
      status: 503,
      remediation: 'Check that the database is reachable and migrated (`fedtrust doctor --check store`).',
      ...options,
    });
  }
}

/** Wraps anything thrown by a driver into a {@link StoreError}, leaving fedtrust errors untouched. */
export function toStoreError(error: unknown, operation: string): FedtrustError {
  if (isFedtrustError(error)) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreError(`${operation} failed: ${detail}`, { cause: error, details: { operation } });
}
