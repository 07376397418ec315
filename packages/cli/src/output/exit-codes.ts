/**
 * Exit codes of the `fedtrust` binary, and the error a command throws for bad usage.
 *
 * @module @fedtrust/cli
 */
import { FedtrustError } from '@fedtrust/core';

/** 0 ok; 1 a check or an action failed; 2 bad usage (flags, files, ids the operator typed). */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * The operator asked for something malformed: an unknown flag value, an unreadable or
 * invalid file, a missing setting. Always exit code 2, with a remediation naming the fix.
 */
export class UsageError extends FedtrustError {
  override readonly name = 'UsageError';
  constructor(code: string, message: string, remediation: string, details?: Record<string, unknown>) {
    super(code, message, { status: 400, remediation, ...(details === undefined ? {} : { details }) });
  }
}

/**
 * Exit code for an error that reached the top: 400- and 404-class fedtrust errors (a
 * malformed scope, an unknown grant id) are bad usage (2); everything else — a refused
 * transition, an unreachable store or CA — is a failed action (1).
 */
export function exitCodeOf(error: FedtrustError): ExitCode {
  return error.status === 400 || error.status === 404 ? EXIT.usage : EXIT.failed;
}
