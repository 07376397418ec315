import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AuditEvent, StoreError, verifyChain } from '@fedtrust/core';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqliteStore } from '../sqlite-store.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fedtrust-sqlite-audit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function event(n: number, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    time: new Date(Date.UTC(2031, 3, 5, 6, 7, n)).toISOString(),
    grantId: 'g-1',
    subject: 'u-1',
    certSerial: (0x7f00 + n).toString(16),
    verb: 'list',
    resource: 'notes',
    outcome: 'allow',
    reason: null,
    rowsOut: n,
    bytesOut: n * 10,
    ...overrides,
  };
}

function storedCount(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('sqliteStore audit appends', () => {
  it("syncs the WAL at every commit by default, and only at checkpoints with synchronous: 'normal'", async () => {
    const full = new Database(join(dir, 'full.db'));
    const normal = new Database(join(dir, 'normal.db'));
    await using _a = sqliteStore(full);
    await using _b = sqliteStore(normal, { synchronous: 'normal' });
    // PRAGMA synchronous: 2 is FULL, 1 is NORMAL.
    expect(full.pragma('synchronous', { simple: true })).toBe(2);
    expect(normal.pragma('synchronous', { simple: true })).toBe(1);
    full.close();
    normal.close();
  });

  it('refuses a synchronous level it does not know, naming the ones it accepts', () => {
    const db = new Database(join(dir, 'bad.db'));
    expect(() => sqliteStore(db, { synchronous: 'off' as 'full' })).toThrow(StoreError);
    expect(() => sqliteStore(db, { synchronous: 'off' as 'full' })).toThrow(/'full' or 'normal'/);
    db.close();
  });

  it('appends made together each settle with their own consecutive, committed record', async () => {
    const file = join(dir, 'group.db');
    await using store = sqliteStore(file);
    const events = Array.from({ length: 20 }, (_, i) => event(i + 1));
    const records = await Promise.all(events.map((e, i) => store.appendAudit(i % 2 ? 'gw-b' : 'gw-a', e)));
    expect(records.map((r) => r.event)).toEqual(events);
    expect(records.filter((r) => r.chainId === 'gw-a').map((r) => r.seq)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    // Committed before the promises settled: another connection already reads every record.
    expect(storedCount(file)).toBe(20);
    for (const chain of ['gw-a', 'gw-b']) {
      const stored = await store.listAudit(chain);
      expect(stored).toEqual(records.filter((r) => r.chainId === chain));
      expect(verifyChain(stored)).toMatchObject({ ok: true, length: 10 });
    }
  });

  it('an invalid event is refused alone; the appends made beside it are committed', async () => {
    await using store = sqliteStore(join(dir, 'mixed.db'));
    const results = await Promise.allSettled([
      store.appendAudit('gw', event(1)),
      store.appendAudit('gw', event(2, { subject: '' })),
      store.appendAudit('gw', event(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[1]).toMatchObject({ reason: { code: 'audit_event_invalid' } });
    expect((await store.listAudit('gw')).map((r) => r.event)).toEqual([event(1), event(3)]);
  });

  it('a group whose commit fails rejects every one of its callers and writes none of them', async () => {
    const file = join(dir, 'locked.db');
    await using store = sqliteStore(file, { busyTimeoutMs: 50 });
    const holder = new Database(file);
    holder.exec('BEGIN IMMEDIATE');
    const results = await Promise.allSettled([1, 2, 3].map((n) => store.appendAudit('gw', event(n))));
    holder.exec('ROLLBACK');
    holder.close();
    for (const result of results) {
      expect(result).toMatchObject({
        status: 'rejected',
        reason: { code: 'store_error', details: { operation: 'appendAudit', sqliteCode: 'SQLITE_BUSY' } },
      });
    }
    expect(await store.listAudit('gw')).toEqual([]);
    expect((await store.appendAudit('gw', event(4))).seq).toBe(1);
  });

  it('close() commits the appends it already accepted, then refuses new ones', async () => {
    const file = join(dir, 'close.db');
    const store = sqliteStore(file);
    const accepted = [store.appendAudit('gw', event(1)), store.appendAudit('gw', event(2))];
    await store.close();
    expect((await Promise.all(accepted)).map((r) => r.seq)).toEqual([1, 2]);
    expect(storedCount(file)).toBe(2);
    await expect(store.appendAudit('gw', event(3))).rejects.toBeInstanceOf(StoreError);
    expect(storedCount(file)).toBe(2);
  });
});
