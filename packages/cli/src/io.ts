/**
 * What a CLI run reads and writes, injected so a test can run the same code in-process.
 *
 * @module @fedtrust/cli
 */

/** The process surface one run of the CLI uses. `bin.ts` passes the real process. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Environment variables (`FEDTRUST_STORE`, `FEDTRUST_SEAL_KEYS`, …). */
  env: Record<string, string | undefined>;
  /** Directory relative paths (store files, scope files) are resolved against. */
  cwd: string;
}

/**
 * A reader that stops early (`fedtrust audit tail | head`) closes the pipe: the rest of the
 * output has nowhere to go, which is not the command's failure and must not end in an
 * unhandled 'error' event and its stack trace. Node destroys the stream, so later writes
 * are dropped.
 */
function ignoreClosedPipe(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPIPE') throw error;
}

/** The process's own streams, environment and working directory. */
export function processIo(): CliIo {
  process.stdout.on('error', ignoreClosedPipe);
  process.stderr.on('error', ignoreClosedPipe);
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
  };
}
