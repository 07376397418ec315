/**
 * Reads every cell of every table of a SQLite file through a second, read-only connection,
 * and the file's bytes (main file, `-wal`, `-shm`).
 *
 * @module @fedtrust/example-secrets-at-rest/dump-sqlite
 */
import { Buffer } from 'node:buffer';
import { existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Haystack } from './secrets.js';

export interface TableDump {
  table: string;
  columns: string[];
  rows: number;
}

export interface SqliteDump {
  tables: TableDump[];
  cells: Haystack[];
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** A cell as text; a blob as hex, base64 and UTF-8, with its bytes. */
export function cellHaystack(where: string, value: unknown): Haystack {
  if (value === null || value === undefined) return { where, text: '' };
  if (value instanceof Uint8Array) {
    const bytes = Buffer.from(value);
    return {
      where,
      text: [bytes.toString('hex'), bytes.toString('base64'), bytes.toString('utf8')].join('\n'),
      bytes,
    };
  }
  return { where, text: String(value) };
}

/**
 * Every table `sqlite_master` lists (fedtrust's, the migrations table, SQLite's own such as
 * `sqlite_sequence`), plus `sqlite_master` itself; every column of every row.
 */
export function dumpSqlite(file: string): SqliteDump {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const names = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all() as string[];
    const tables: TableDump[] = [];
    const cells: Haystack[] = [];
    for (const table of ['sqlite_master', ...names]) {
      const columns = (db.prepare(`PRAGMA table_info(${quote(table)})`).all() as { name: string }[]).map(
        (column) => column.name,
      );
      const rows = db
        .prepare(`SELECT * FROM ${quote(table)}`)
        .safeIntegers()
        .raw()
        .all() as unknown[][];
      rows.forEach((row, index) => {
        row.forEach((value, column) => {
          cells.push(cellHaystack(`sqlite ${table}[${index}].${columns[column]}`, value));
        });
      });
      tables.push({ table, columns, rows: rows.length });
    }
    return { tables, cells };
  } finally {
    db.close();
  }
}

/** The database file and, when present, its `-wal` and `-shm`, as byte haystacks. */
export function sqliteFiles(file: string): Haystack[] {
  return [file, `${file}-wal`, `${file}-shm`]
    .filter((path) => existsSync(path))
    .map((path) => ({ where: `file ${path}`, text: '', bytes: readFileSync(path) }));
}
