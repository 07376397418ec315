/**
 * Reads every cell of every table in every user schema of a Postgres database as text
 * (`bytea` also as raw bytes), and the cluster's files for that database and its WAL.
 *
 * @module @fedtrust/example-secrets-at-rest/dump-postgres
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { cellHaystack, type TableDump } from './dump-sqlite.js';
import type { Haystack } from './secrets.js';

export interface PostgresDump {
  tables: TableDump[];
  cells: Haystack[];
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Every base table outside `pg_catalog`, `information_schema` and `pg_toast` — so a table a
 * later migration adds, in the store's schema or elsewhere, is dumped too. Each column is
 * selected as `::text`; `bytea` columns also raw, scanned as bytes, hex and base64.
 */
export async function dumpPostgres(client: pg.ClientBase): Promise<PostgresDump> {
  const { rows: tableRows } = await client.query<{ table_schema: string; table_name: string }>(
    `SELECT table_schema, table_name FROM information_schema.tables
      WHERE table_type = 'BASE TABLE'
        AND table_schema NOT IN ('pg_catalog', 'information_schema')
        AND table_schema NOT LIKE 'pg_toast%'
      ORDER BY table_schema, table_name`,
  );
  const tables: TableDump[] = [];
  const cells: Haystack[] = [];
  for (const { table_schema: schema, table_name: table } of tableRows) {
    const { rows: columnRows } = await client.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
      [schema, table],
    );
    const select = columnRows.flatMap((column, i) => [
      `${quote(column.column_name)}::text AS t${i}`,
      ...(column.data_type === 'bytea' ? [`${quote(column.column_name)} AS b${i}`] : []),
    ]);
    const name = `${quote(schema)}.${quote(table)}`;
    const { rows } = await client.query<Record<string, unknown>>(`SELECT ${select.join(', ')} FROM ${name}`);
    rows.forEach((row, index) => {
      columnRows.forEach((column, i) => {
        const where = `postgres ${schema}.${table}[${index}].${column.column_name}`;
        cells.push(cellHaystack(where, row[`t${i}`]));
        if (row[`b${i}`] != null) cells.push(cellHaystack(`${where} (bytes)`, row[`b${i}`]));
      });
    });
    tables.push({
      table: `${schema}.${table}`,
      columns: columnRows.map((c) => c.column_name),
      rows: rows.length,
    });
  }
  return { tables, cells };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/**
 * After a `CHECKPOINT` (dirty pages and WAL written out), the files of `database` under
 * `base/<oid>` and every WAL segment, as byte haystacks. Values over ~2 kB could sit
 * pglz-compressed in TOAST; none of fedtrust's rows are that long, and the SQL dump reads
 * them decompressed anyway.
 */
export async function postgresFiles(
  client: pg.ClientBase,
  dataDir: string,
  database: string,
): Promise<Haystack[]> {
  await client.query('CHECKPOINT');
  const { rows } = await client.query<{ oid: string }>(
    'SELECT oid::text AS oid FROM pg_database WHERE datname = $1',
    [database],
  );
  const oid = rows[0]?.oid;
  if (oid === undefined) throw new Error(`database ${database} not found`);
  const paths = [
    ...(await filesUnder(join(dataDir, 'base', oid))),
    ...(await filesUnder(join(dataDir, 'pg_wal'))),
  ];
  const haystacks: Haystack[] = [];
  for (const path of paths) {
    if ((await stat(path)).size === 0) continue;
    haystacks.push({ where: `file ${path}`, text: '', bytes: await readFile(path) });
  }
  return haystacks;
}
