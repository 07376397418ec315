import { type PgFederationStore, pgStore } from '@fedtrust/adapter-pg';
import { type EmbeddedPostgresServer, startEmbeddedPostgres } from '@fedtrust/adapter-pg/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogCapture } from './capture-logger.js';
import { dumpPostgres, postgresFiles } from './dump-postgres.js';
import {
  expectDumpShowsTheRun,
  expectLogsClean,
  expectNoSecrets,
  expectSecretsCollected,
  FEDTRUST_TABLES,
} from './expectations.js';
import { FEDERATION_CHAIN, fullRun, type RunResult } from './full-run.js';
import { findLeaks } from './secrets.js';

const DATABASE = 'fedtrust_secrets';

describe('secrets at rest on a real Postgres', () => {
  let server: EmbeddedPostgresServer | undefined;
  let pool: pg.Pool | undefined;
  let admin: pg.Client | undefined;
  let store: PgFederationStore;
  let run: RunResult;
  const logs = new LogCapture();

  beforeAll(async () => {
    // The adapter-pg project's global setup serves only that project; this one starts its own.
    server = await startEmbeddedPostgres({ onLog: logs.lines('postgres') });
    await server.createDatabase(DATABASE);
    pool = new pg.Pool({ connectionString: server.connectionString(DATABASE), max: 4 });
    store = pgStore(pool, { logger: logs.logger('store') });
    await store.migrate();
    admin = new pg.Client({ connectionString: server.connectionString(DATABASE) });
    await admin.connect();
    run = await fullRun(store, logs);
  });

  afterAll(async () => {
    try {
      await store?.close();
      await admin?.end();
      await pool?.end();
    } finally {
      await server?.stop();
    }
  });

  it('after a full enrollment, renewal and admission run, no table holds a private key PEM, a token or key material', async () => {
    expectSecretsCollected(run);
    const dump = await dumpPostgres(admin as pg.Client);
    const tables = dump.tables.map((t) => t.table);
    expect(tables).toEqual(
      expect.arrayContaining([
        `${store.schema}.schema_migrations`,
        ...FEDTRUST_TABLES.map((t) => `${store.schema}.${t}`),
      ]),
    );
    for (const table of FEDTRUST_TABLES) {
      expect(dump.tables.find((t) => t.table === `${store.schema}.${table}`)?.rows, table).toBeGreaterThan(0);
    }
    expectDumpShowsTheRun(dump.cells, run);
    expectNoSecrets(run, dump.cells);
  });

  it("the database's files and the WAL hold none either after a checkpoint", async () => {
    const files = await postgresFiles(admin as pg.Client, server?.dataDir ?? '', DATABASE);
    expect(files.some((f) => f.where.includes('pg_wal'))).toBe(true);
    expectNoSecrets(run, files);
  });

  it('nothing logged by the store, server, client, admission or the Postgres server holds a secret', () => {
    expectLogsClean(run, logs, ['store', 'server', 'client', 'admission', 'postgres']);
  });

  it('negative control: a token written in the clear is found in the dump and in the files', async () => {
    const token = run.issuedTokens[2] ?? '';
    await store.appendAudit(FEDERATION_CHAIN, {
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
    const inDump = findLeaks(run.secrets.list(), (await dumpPostgres(admin as pg.Client)).cells);
    expect(inDump).toContainEqual({
      secret: label,
      encoding: 'token',
      where: expect.stringMatching(/audit_events/),
    });
    const files = await postgresFiles(admin as pg.Client, server?.dataDir ?? '', DATABASE);
    const inFiles = findLeaks(run.secrets.list(), files).filter((leak) => leak.secret === label);
    expect(inFiles.some((leak) => leak.where.includes('pg_wal'))).toBe(true);
    expect(inFiles.some((leak) => leak.where.includes('/base/'))).toBe(true);
  });
});
