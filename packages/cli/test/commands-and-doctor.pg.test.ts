/**
 * Acceptance: the built `fedtrust` binary against a real embedded Postgres — migrations,
 * records, doctor healthy (and the superuser warning), and store/audit failures by their
 * real causes.
 */
import { appendFileSync, cpSync } from 'node:fs';
import { DEFAULT_MIGRATIONS_DIR, pgStore } from '@fedtrust/adapter-pg';
import { type EmbeddedPostgresServer, startEmbeddedPostgres } from '@fedtrust/adapter-pg/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, fedtrust } from './support/built-cli.js';
import { HOST_FILE, type SeededDemo, sealKeyList, seedDemo, workspace } from './support/demo.js';
import { check, type DoctorJson, datePeer } from './support/scenario.js';

const ws = workspace();
const keys = sealKeyList(['k1']);
let server: EmbeddedPostgresServer;
let admin: pg.Pool;
let peer: Awaited<ReturnType<typeof datePeer>>;
let demo: SeededDemo;
let env: Record<string, string>;
const cli = (args: string[], extra: Record<string, string> = {}) =>
  fedtrust(args, { cwd: ws.dir, env: { ...env, ...extra } });

beforeAll(async () => {
  const built = ensureBuilt();
  server = await startEmbeddedPostgres();
  await server.createDatabase('cli');
  cpSync(DEFAULT_MIGRATIONS_DIR, ws.path('migrations'), { recursive: true });
  env = {
    FEDTRUST_STORE: server.connectionString('cli'),
    FEDTRUST_MIGRATIONS_DIR: ws.path('migrations'),
    FEDTRUST_SEAL_KEYS: keys.text,
    FEDTRUST_RESOURCES: ws.write('host.json', HOST_FILE),
  };
  await built;
  const migrated = await cli(['migrate', '--json']);
  expect(migrated.code).toBe(0);
  expect(migrated.json<{ appliedNow: { version: number }[] }>().appliedNow.map((m) => m.version)).toEqual([
    1,
  ]);

  admin = new pg.Pool({ connectionString: server.connectionString('cli'), max: 2 });
  demo = await seedDemo(pgStore(admin, { migrationsDir: ws.path('migrations') }), keys.text);
  env['FEDTRUST_CA_ROOT'] = ws.write('root.pem', demo.rootPem);
  env['FEDTRUST_SERVER_CERT'] = ws.write('server.pem', demo.serverCertificatePem);
  peer = await datePeer();
}, 600_000);

afterAll(async () => {
  await peer?.close();
  await admin?.end();
  await server?.stop();
  ws.remove();
});

describe('commands on Postgres', () => {
  it('reports the migrations applied in the fedtrust schema and lists and revokes records', async () => {
    const status = await cli(['migrate', 'status', '--json']);
    expect(status.code).toBe(0);
    expect(status.json<{ status: { schema: string; upToDate: boolean } }>().status).toMatchObject({
      schema: 'fedtrust',
      upToDate: true,
    });
    expect(status.json<{ store: string }>().store).not.toContain(server.password);

    const list = await cli(['grant', 'list', '--json']);
    const grants = list.json<{ grants: { id: string; effectiveStatus: string }[] }>().grants;
    expect(grants.map((g) => g.id).sort()).toEqual([demo.enrolled.grant.id, demo.pending.grant.id].sort());

    const revoked = await cli(['grant', 'revoke', demo.pending.grant.id, '--json']);
    expect(revoked.code).toBe(0);
    const { rows } = await admin.query('SELECT status FROM fedtrust.grants WHERE id = $1', [
      demo.pending.grant.id,
    ]);
    expect(rows).toEqual([{ status: 'revoked' }]);
  });
});

describe('doctor on Postgres', () => {
  it('a healthy gateway exits 0; connecting as a superuser is a warning, a least-privilege role passes', async () => {
    const asSuperuser = await cli(['doctor', '--json', '--peer-url', peer.url]);
    expect(asSuperuser.code).toBe(0);
    const report = asSuperuser.json<DoctorJson>();
    expect(report.ok).toBe(true);
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    const store = check(asSuperuser, 'store');
    expect(store.status).toBe('warn');
    expect(store.findings).toContainEqual({
      status: 'warn',
      subject: 'role',
      message: 'connected as a Postgres superuser',
    });
    expect(store.remediation).toContain('least-privilege role');

    await admin.query(`CREATE ROLE fedtrust_app LOGIN PASSWORD 'app-secret'`);
    await admin.query('GRANT USAGE ON SCHEMA fedtrust TO fedtrust_app');
    await admin.query(
      'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA fedtrust TO fedtrust_app',
    );
    const url = new URL(server.connectionString('cli'));
    url.username = 'fedtrust_app';
    url.password = 'app-secret';
    const asApp = await cli(['doctor', '--check', 'store,sealing,audit', '--json'], {
      FEDTRUST_STORE: url.href,
    });
    expect(asApp.code).toBe(0);
    expect(check(asApp, 'store').status).toBe('pass');
    expect(check(asApp, 'store').details['superuser']).toBe(false);
    expect(asApp.stdout).not.toContain('app-secret');
  });

  it('store: an unreachable server fails with the remediation naming host, port and credentials', async () => {
    const result = await cli(['doctor', '--check', 'store', '--json'], {
      FEDTRUST_STORE: 'postgres://nobody:pw@127.0.0.1:9/none',
    });
    expect(result.code).toBe(1);
    const store = check(result, 'store');
    expect(store.status).toBe('fail');
    expect(store.summary).toContain('unreachable');
    expect(store.remediation).toContain('host, port and credentials');
  });

  it('audit: a row altered with SQL fails at its position', async () => {
    await admin.query(
      `UPDATE fedtrust.audit_events SET event = replace(event, '"rowsOut":3', '"rowsOut":30') WHERE chain_id = 'federation' AND seq = 1`,
    );
    const result = await cli(['doctor', '--check', 'audit', '--json']);
    expect(result.code).toBe(1);
    expect(check(result, 'audit').details['chains']).toEqual([
      expect.objectContaining({
        chainId: 'federation',
        ok: false,
        brokenAt: { index: 0, seq: 1, reason: 'hash_mismatch' },
      }),
    ]);
    const verify = await cli(['audit', 'verify']);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain('BROKEN at position 1');
  });

  it('store: a migration file changed after it was applied is drift, and commands refuse the store', async () => {
    appendFileSync(ws.path('migrations/0001_initial.sql'), '\n-- tampered\n');
    const result = await cli(['doctor', '--check', 'store', '--json']);
    expect(result.code).toBe(1);
    const store = check(result, 'store');
    expect(store.findings).toContainEqual(
      expect.objectContaining({ status: 'fail', subject: '0001_initial' }),
    );
    expect(store.remediation).toContain('Restore the shipped migration file');
    const refused = await cli(['grant', 'list']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('migration_checksum_mismatch');
  });
});
