import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AuditEvent, type Grant, type Peer, StoreError, verifyChain } from '@fedtrust/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgStore } from './pg-store.js';
import { openPgFixture, type PgFixture } from './test-fixture.js';

let fx: PgFixture;
beforeAll(async () => {
  fx = await openPgFixture();
});
afterAll(async () => {
  await fx?.close();
});

function pair(n: number): { grant: Grant; peer: Peer } {
  const at = new Date('2031-01-01T00:00:00.000Z');
  const peer: Peer = {
    id: `peer-${n}`,
    name: `peer-${n}.test`,
    tenantId: 't',
    status: 'pending',
    createdAt: at,
    updatedAt: at,
  };
  const grant: Grant = {
    id: `grant-${n}`,
    tenantId: 't',
    peerId: peer.id,
    subjectUserId: `user-${n}`,
    scope: { resources: ['tasks'], max_rows_per_query: 10 },
    status: 'pending',
    createdAt: at,
    activatedAt: null,
    revokedAt: null,
    expiresAt: null,
  };
  return { grant, peer };
}

function auditEvent(n: number): AuditEvent {
  return {
    time: `2031-01-01T00:00:0${n}.000Z`,
    grantId: 'grant-1',
    subject: 'user-1',
    certSerial: '7f01',
    verb: 'get',
    resource: 'tasks',
    outcome: 'allow',
    reason: null,
    rowsOut: 1,
    bytesOut: 10,
  };
}

/**
 * Holds `table` locked against writes from a separate admin connection, starts `operation`,
 * waits until its backend is blocked on the lock (so it is mid-transaction, with earlier
 * statements done), terminates that backend, then releases the lock.
 */
async function killWhileBlocked<T>(
  schema: string,
  table: string,
  operation: () => Promise<T>,
): Promise<unknown> {
  const locker = await fx.admin.connect();
  try {
    await locker.query('BEGIN');
    await locker.query(`LOCK TABLE "${schema}".${table} IN EXCLUSIVE MODE`);
    const outcome = operation().then(
      () => null,
      (error: unknown) => error,
    );
    let pid: number | undefined;
    for (let tries = 0; pid === undefined && tries < 500; tries++) {
      const { rows } = await fx.admin.query(
        `SELECT pid FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1`,
        [`INSERT INTO "${schema}".${table}%`],
      );
      pid = (rows[0] as { pid: number } | undefined)?.pid;
      if (pid === undefined) await sleep(10);
    }
    expect(pid).toBeDefined();
    await fx.admin.query('SELECT pg_terminate_backend($1)', [pid]);
    return await outcome;
  } finally {
    await locker.query('ROLLBACK');
    locker.release();
  }
}

async function closedLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 1;
}

describe('faults on a real Postgres', () => {
  it('a backend terminated inside createGrant leaves neither row and surfaces as StoreError', async () => {
    const store = await fx.store();
    const { grant, peer } = pair(1);
    const error = await killWhileBlocked(store.schema, 'grants', () => store.createGrant(grant, peer));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).details).toMatchObject({ operation: 'createGrant', sqlstate: '57P01' });
    expect(await fx.count(store.schema, 'peers')).toBe(0);
    expect(await fx.count(store.schema, 'grants')).toBe(0);
    // The dead connection was not handed back to the pool: the store keeps working.
    for (let n = 2; n < 12; n++) await store.createGrant(pair(n).grant, pair(n).peer);
    expect(await fx.count(store.schema, 'grants')).toBe(10);
  });

  it('a backend terminated inside appendAudit leaves no record, and the chain continues without a gap', async () => {
    const store = await fx.store();
    await store.appendAudit('chain-1', auditEvent(1));
    const error = await killWhileBlocked(store.schema, 'audit_events', () =>
      store.appendAudit('chain-1', auditEvent(2)),
    );
    expect(error).toBeInstanceOf(StoreError);
    expect(await fx.count(store.schema, 'audit_events')).toBe(1);
    // The dead transaction's chain lock went with it: the next append is not blocked.
    const next = await store.appendAudit('chain-1', auditEvent(3));
    expect(next.seq).toBe(2);
    expect(verifyChain(await store.listAudit('chain-1'))).toMatchObject({ ok: true, length: 2 });
  });

  it('a store on an unreachable server fails with a StoreError that says so', async () => {
    const port = await closedLoopbackPort();
    const pool = new pg.Pool({ connectionString: `postgres://nobody:x@127.0.0.1:${port}/none`, max: 1 });
    try {
      const store = pgStore(pool);
      for (const attempt of [
        () => store.migrate(),
        () => store.getGrant('g'),
        () => store.appendAudit('c', auditEvent(1)),
      ]) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreError);
        expect((error as StoreError).code).toBe('store_error');
        expect((error as StoreError).message).toMatch(/unreachable/);
        expect((error as StoreError).details).toMatchObject({ unreachable: true, errno: 'ECONNREFUSED' });
        expect((error as StoreError).remediation).toMatch(/host, port/);
      }
    } finally {
      await pool.end();
    }
  });

  it('a store used before migrate() fails with a StoreError naming the missing relation', async () => {
    const store = pgStore(fx.pool, { schema: fx.schemaName() });
    const error = await store.getGrant('g').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).details).toMatchObject({ operation: 'getGrant', sqlstate: '42P01' });
  });

  it('close() retires the store but leaves the host pool open', async () => {
    const store = await fx.store();
    await store.close();
    await expect(store.getGrant('g')).rejects.toBeInstanceOf(StoreError);
    expect((await fx.pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(fx.pool.ended).toBe(false);
  });
});
