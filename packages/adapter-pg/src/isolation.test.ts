import { type AuditEvent, verifyChain } from '@fedtrust/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgStore } from './pg-store.js';
import { openPgFixture, type PgFixture } from './test-fixture.js';

// A host may set `default_transaction_isolation` on its role, its database or its pool.
// The store's lock-then-read transactions must not inherit it: under REPEATABLE READ the
// snapshot is taken by the first statement (the lock), before the lock is granted, so the
// read that follows would miss what the previous lock holder committed.

let fx: PgFixture;
const hostPools: pg.Pool[] = [];

beforeAll(async () => {
  fx = await openPgFixture();
});
afterAll(async () => {
  await Promise.all(hostPools.splice(0).map((p) => p.end()));
  await fx?.close();
});

function repeatableReadPool(max: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString: fx.db.connectionString,
    max,
    options: '-c default_transaction_isolation=repeatable\\ read',
  });
  pool.on('error', () => {});
  hostPools.push(pool);
  return pool;
}

function event(appender: number, n: number): AuditEvent {
  return {
    time: new Date(Date.UTC(2031, 0, 1, 0, 0, 0, n)).toISOString(),
    grantId: `grant-${appender}`,
    subject: `user-${appender}`,
    certSerial: null,
    verb: 'list',
    resource: 'tasks',
    outcome: 'allow',
    reason: null,
    rowsOut: n,
    bytesOut: 0,
  };
}

describe('a host pool whose default isolation is REPEATABLE READ', () => {
  it('the pool really hands out REPEATABLE READ transactions (so the cases below test something)', async () => {
    const pool = repeatableReadPool(1);
    const { rows } = await pool.query('SHOW default_transaction_isolation');
    expect(rows).toEqual([{ default_transaction_isolation: 'repeatable read' }]);
  });

  it('8 appenders x 25 events on one chain all succeed, with no gap and no fork', async () => {
    const pool = repeatableReadPool(8);
    const schema = fx.schemaName();
    const store = pgStore(pool, { schema });
    await store.migrate();
    const settled = await Promise.allSettled(
      Array.from({ length: 8 }, async (_, appender) => {
        for (let n = 0; n < 25; n++) await store.appendAudit('chain-1', event(appender, n));
      }),
    );
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
    const records = await store.listAudit('chain-1');
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(verifyChain(records)).toMatchObject({ ok: true, length: 200 });
    expect(await fx.count(schema, 'audit_events')).toBe(200);
  });

  it('single-statement primitives stay fail-closed: 16 racing redemptions give one ok, the rest refused or 40001', async () => {
    const pool = repeatableReadPool(8);
    const store = pgStore(pool, { schema: fx.schemaName() });
    await store.migrate();
    const at = new Date('2031-01-01T00:00:00.000Z');
    await store.createGrant(
      {
        id: 'g-1',
        tenantId: 't',
        peerId: 'p-1',
        subjectUserId: 'u-1',
        scope: { resources: ['tasks'], max_rows_per_query: 1 },
        status: 'pending',
        createdAt: at,
        activatedAt: null,
        revokedAt: null,
        expiresAt: null,
      },
      { id: 'p-1', name: 'p-1.test', tenantId: 't', status: 'pending', createdAt: at, updatedAt: at },
    );
    const tokenHash = 'a'.repeat(64);
    await store.insertEnrollmentToken({
      tokenHash,
      prefix: 'fte_aaaa',
      grantId: 'g-1',
      peerId: 'p-1',
      createdAt: at,
      expiresAt: new Date(at.getTime() + 900_000),
      usedAt: null,
    });
    const settled = await Promise.allSettled(
      Array.from({ length: 16 }, () => store.redeemEnrollmentToken(tokenHash, new Date(at.getTime() + 1))),
    );
    const outcomes = settled.map((s) =>
      s.status === 'fulfilled'
        ? s.value.outcome
        : `${(s.reason as { code?: string }).code}:${(s.reason as { details?: { sqlstate?: string } }).details?.sqlstate}`,
    );
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
    expect(outcomes.every((o) => ['ok', 'already_used', 'store_error:40001'].includes(o))).toBe(true);
    expect(await fx.count(store.schema, 'enrollment_tokens', 'used_at IS NOT NULL')).toBe(1);
  });

  it('two replicas migrating a new schema at once both succeed and apply each migration once', async () => {
    const schema = fx.schemaName();
    const a = pgStore(repeatableReadPool(2), { schema });
    const b = pgStore(repeatableReadPool(2), { schema });
    const settled = await Promise.allSettled([a.migrate(), b.migrate(), a.migrate(), b.migrate()]);
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
    const { rows } = await fx.admin.query(`SELECT version FROM "${schema}".schema_migrations`);
    expect(rows).toEqual([{ version: 1 }]);
  });
});
