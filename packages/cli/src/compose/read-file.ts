/**
 * Reading the operator's input files with errors that say which file and what to do.
 *
 * @module @fedtrust/cli
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { UsageError } from '../output/exit-codes.js';

/** `path` made absolute against the working directory of the run. */
export function resolvePath(path: string, cwd: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}

/** Reads a UTF-8 file or throws `UsageError` `file_unreadable` naming the flag it came from. */
export function readTextFile(path: string, cwd: string, flag: string): string {
  const absolute = resolvePath(path, cwd);
  try {
    return readFileSync(absolute, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(
      'file_unreadable',
      `${flag} ${absolute} cannot be read (${reason}).`,
      `Check the path given to ${flag} and that this user may read it.`,
    );
  }
}

/** Reads and parses a JSON file or throws `UsageError` `file_not_json` with the parser's complaint. */
export function readJsonFile(path: string, cwd: string, flag: string): unknown {
  const text = readTextFile(path, cwd, flag);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(
      'file_not_json',
      `${flag} ${resolvePath(path, cwd)} is not valid JSON: ${(error as Error).message}.`,
      `Fix the JSON syntax of the file given to ${flag}.`,
    );
  }
}
