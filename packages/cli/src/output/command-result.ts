/**
 * What every command hands back to the runner: one JSON document, one transcript, one exit code.
 *
 * @module @fedtrust/cli
 */
import type { ExitCode } from './exit-codes.js';
import { jsonTerminalSafe } from './terminal-safe.js';

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

/**
 * One JSON document; dates serialise as ISO-8601 UTC strings through `Date#toJSON`.
 * Characters a terminal would act on are `\u` escapes (JSON.stringify leaves DEL, C1 and
 * bidi controls raw), so the document is also safe to print.
 */
export function toJsonText(value: unknown): string {
  return `${jsonTerminalSafe(JSON.stringify(value, null, 2))}\n`;
}
