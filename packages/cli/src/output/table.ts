/**
 * Plain-text tables for the human transcript (the `--json` document is the stable interface).
 *
 * @module @fedtrust/cli
 */

/** A cell: anything printable; `null`/`undefined` print as `-`. */
export type Cell = string | number | boolean | Date | null | undefined;

/** Formats a cell: dates as ISO-8601 UTC without milliseconds, empty values as `-`. */
export function cell(value: Cell): string {
  if (value === null || value === undefined || value === '') return '-';
  if (value instanceof Date) return value.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return String(value).replace(/[\r\n]+/g, ' ');
}

/** Renders rows under upper-case headers, columns padded to their widest cell; an empty list says so. */
export function table(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
  empty = '(none)',
): string {
  if (rows.length === 0) return `${empty}\n`;
  const text = rows.map((row) => headers.map((_, i) => cell(row[i])));
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...text.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((value, i) => (i === cells.length - 1 ? value : value.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers.map((h) => h.toUpperCase())), ...text.map(line)].join('\n') + '\n';
}

/** Renders `key: value` lines with the keys aligned. */
export function fields(entries: readonly (readonly [string, Cell])[]): string {
  const width = Math.max(...entries.map(([key]) => key.length));
  return entries.map(([key, value]) => `${`${key}:`.padEnd(width + 1)} ${cell(value)}`).join('\n') + '\n';
}
