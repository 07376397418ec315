import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { createTestDatabase, startEmbeddedPostgres } from './index.js';

async function query<T>(connectionString: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('test Postgres helpers', () => {
  it('the global setup provides a loopback server that accepts its superuser', async () => {
    const info = inject('fedtrustPg');
    expect(info.host).toBe('127.0.0.1');
    expect(info.port).toBeGreaterThan(0);
    const db = await createTestDatabase();
    try {
      const [row] = await query<{ db: string; superuser: string }>(
        db.connectionString,
        `SELECT current_database() AS db, current_setting('is_superuser') AS superuser`,
      );
      expect(row).toEqual({ db: db.name, superuser: 'on' });
    } finally {
      await db.drop();
    }
  });

  it('createTestDatabase gives every caller its own empty database, and drop removes it', async () => {
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    expect(a.name).not.toBe(b.name);
    await query(a.connectionString, 'CREATE TABLE only_in_a (x int)');
    const tables = await query<{ n: number }>(
      b.connectionString,
      `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`,
    );
    expect(tables[0]?.n).toBe(0);
    await a.drop();
    await b.drop();
    await a.drop();
    const names = await query<{ datname: string }>(
      a.connectionString.replace(/\/[^/]+$/, '/postgres'),
      'SELECT datname FROM pg_database',
    );
    expect(names.map((r) => r.datname)).not.toContain(a.name);
    expect(names.map((r) => r.datname)).not.toContain(b.name);
  });

  it('startEmbeddedPostgres runs a standalone server that stop() shuts down and deletes', async () => {
    const server = await startEmbeddedPostgres();
    let dataDir = '';
    try {
      dataDir = server.dataDir;
      expect(existsSync(dataDir)).toBe(true);
      await server.createDatabase('standalone demo');
      const [row] = await query<{ user: string }>(
        server.connectionString('standalone demo'),
        'SELECT current_user AS user',
      );
      expect(row?.user).toBe('postgres');
      // Postgres refuses to run as root; as root the postmaster must belong to another user.
      const pid = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0];
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      expect(Number(uid)).not.toBe(0);
    } finally {
      await server.stop();
    }
    expect(existsSync(dataDir)).toBe(false);
    await expect(query(server.connectionString(), 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
    await server.stop();
  });
});
