/**
 * What every command hands back to the runner: one JSON document, one transcript, one exit code.
 *
 * @module @fedtrust/cli
 */
import type { ExitCode } from './exit-codes.js';

/**
 * A finished command. `json` is printed (as one document) under `--json`, `text` otherwise.
 * `exitCode` is 1 when a check or action failed without an error being thrown (a broken
 * audit chain, pre-flip blockers, a failing doctor check).
 */
export interface CommandResult {
  json: unknown;
  text: string;
  exitCode: ExitCode;
}

/** One JSON document; dates serialise as ISO-8601 UTC strings through `Date#toJSON`. */
export function toJsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
