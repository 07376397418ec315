import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SqliteFederationStore, sqliteStore } from '@fedtrust/adapter-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogCapture } from './capture-logger.js';
import { dumpSqlite, sqliteFiles } from './dump-sqlite.js';
import {
  expectDumpShowsTheRun,
  expectLogsClean,
  expectNoSecrets,
  expectSecretsCollected,
  FEDTRUST_TABLES,
} from './expectations.js';
import { FEDERATION_CHAIN, fullRun, type RunResult } from './full-run.js';
import { findLeaks } from './secrets.js';

describe('secrets at rest on a SQLite file', () => {
  let dir: string;
  let file: string;
  let store: SqliteFederationStore | undefined;
  let run: RunResult;
  const logs = new LogCapture();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fedtrust-secrets-'));
    file = join(dir, 'fedtrust.db');
    store = sqliteStore(file, { logger: logs.logger('store') });
    run = await fullRun(store, logs);
  });

  afterAll(async () => {
    try {
      await store?.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('after a full enrollment, renewal and admission run, no table holds a private key PEM, a token or key material', () => {
    expectSecretsCollected(run);
    const dump = dumpSqlite(file);
    const tables = dump.tables.map((t) => t.table);
    expect(tables).toEqual(
      expect.arrayContaining(['sqlite_master', 'schema_migrations', ...FEDTRUST_TABLES]),
    );
    for (const table of FEDTRUST_TABLES) {
      expect(dump.tables.find((t) => t.table === table)?.rows, table).toBeGreaterThan(0);
    }
    expectDumpShowsTheRun(dump.cells, run);
    expectNoSecrets(run, dump.cells);
  });

  it('the database file, its -wal and -shm hold none either, while open and after the checkpoint on close', async () => {
    const open = sqliteFiles(file);
    expect(open.map((f) => f.where)).toEqual([`file ${file}`, `file ${file}-wal`, `file ${file}-shm`]);
    expect(open[1]?.bytes?.length).toBeGreaterThan(0);
    expectNoSecrets(run, open);

    await store?.close();
    store = undefined;
    const closed = sqliteFiles(file);
    expect(closed.map((f) => f.where)).toEqual([`file ${file}`]);
    expectNoSecrets(run, closed);
  });

  it('nothing logged by the store, server, client or admission holds a secret', () => {
    expectLogsClean(run, logs, ['store', 'server', 'client', 'admission']);
  });

  it('negative control: a token written in the clear is found in the dump and in the file', async () => {
    const token = run.issuedTokens[2] ?? '';
    const reopened = sqliteStore(file);
    try {
      await reopened.appendAudit(FEDERATION_CHAIN, {
        time: new Date().toISOString(),
        grantId: null,
        subject: null,
        certSerial: null,
        verb: 'leak',
        resource: `token/${token}`,
        outcome: 'allow',
        reason: null,
        rowsOut: 0,
        bytesOut: 0,
      });
      const label = 'provider token of provider-1 (minted)';
      const inDump = findLeaks(run.secrets.list(), dumpSqlite(file).cells);
      expect(inDump).toContainEqual({
        secret: label,
        encoding: 'token',
        where: expect.stringMatching(/audit_events/),
      });
      const inFiles = findLeaks(run.secrets.list(), sqliteFiles(file));
      expect(inFiles).toContainEqual({ secret: label, encoding: 'token', where: `file ${file}-wal` });
    } finally {
      await reopened.close();
    }
  });
});
