/**
 * Keeping what the CLI prints from driving the operator's terminal. Audit records, provider
 * ids and peer-requested resource names are chosen by remote parties; printed raw, an escape
 * sequence among them could rewrite the screen, retitle the window or hide a line.
 *
 * @module @fedtrust/cli
 */

/** C0 controls except newline, DEL, C1 controls, and the bidi controls that reorder what is shown. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this module's job
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** The same characters plus the JSON-legal line separators, for `--json` documents. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function hex(char: string, width: number): string {
  return char.charCodeAt(0).toString(16).padStart(width, '0');
}

/** A transcript with every unsafe character shown as a visible escape (`\x1b`, `\u202e`); newlines stay. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (char) =>
    char.charCodeAt(0) <= 0xff ? `\\x${hex(char, 2)}` : `\\u${hex(char, 4)}`,
  );
}

/**
 * A JSON text whose unsafe characters are `\u` escapes: the parsed document is unchanged
 * (they can only occur inside strings, where the escape means the same character).
 */
export function jsonTerminalSafe(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (char) => `\\u${hex(char, 4)}`);
}
