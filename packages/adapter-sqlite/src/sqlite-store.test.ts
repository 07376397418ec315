import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { admitProvider, type Grant, hashToken, type Peer, StoreError } from '@fedtrust/core';
import { systemClock, systemRandom } from '@fedtrust/core/system';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqliteStore } from './sqlite-store.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fedtrust-sqlite-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const now = new Date('2031-04-05T06:07:08.123Z');
const peer: Peer = {
  id: 'p-1',
  name: 'work-gw',
  tenantId: 't-1',
  status: 'pending',
  createdAt: now,
  updatedAt: now,
};
const grant: Grant = {
  id: 'g-1',
  tenantId: 't-1',
  peerId: 'p-1',
  subjectUserId: 'u-1',
  scope: { resources: ['notes'], max_rows_per_query: 50 },
  status: 'pending',
  createdAt: now,
  activatedAt: null,
  revokedAt: null,
  expiresAt: null,
};

describe('sqliteStore', () => {
  it('opens the file in WAL mode with foreign keys on and the busy timeout asked for', async () => {
    const db = new Database(join(dir, 'host.db'));
    await using _store = sqliteStore(db, { busyTimeoutMs: 1234 });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
    db.close();
  });

  it('stores instants as integer milliseconds, and a grant whose peer is missing is refused', async () => {
    const file = join(dir, 'f.db');
    await using store = sqliteStore(file);
    await store.createGrant(grant, peer);
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT created_at, typeof(created_at) AS t FROM grants').get()).toEqual({
      created_at: now.getTime(),
      t: 'integer',
    });
    db.close();
    // grants.peer_id references peers: the foreign key, not a pre-check, refuses an orphan.
    const orphan = { ...grant, id: 'g-2', peerId: 'p-404' };
    await expect(store.createGrant(orphan, { ...peer, id: 'p-2' })).rejects.toMatchObject({
      code: 'store_error',
      details: { operation: 'createGrant', sqliteCode: 'SQLITE_CONSTRAINT_FOREIGNKEY' },
    });
    expect(await store.getGrant('g-2')).toBeNull();
    expect(await store.getPeer('p-2')).toBeNull();
  });

  it('close() leaves a host-owned Database open, and the store refuses calls afterwards', async () => {
    const db = new Database(join(dir, 'host.db'));
    const store = sqliteStore(db);
    await store.close();
    expect(db.open).toBe(true);
    await expect(store.getGrant('g-1')).rejects.toBeInstanceOf(StoreError);
    db.close();
  });

  it('close() closes a file the store opened itself', async () => {
    const file = join(dir, 'own.db');
    const store = sqliteStore(file);
    await store.createGrant(grant, peer);
    await store.close();
    await store.close();
    // The WAL was checkpointed on close: another process reads the grant from the file.
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT id FROM grants').all()).toEqual([{ id: 'g-1' }]);
    db.close();
  });

  it('a driver failure surfaces as StoreError with the SQLite result code and the cause', async () => {
    const db = new Database(join(dir, 'host.db'));
    const store = sqliteStore(db);
    db.close();
    const error = await store.getGrant('g-1').then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).details).toMatchObject({ operation: 'getGrant' });
    expect((error as StoreError).cause).toBeInstanceOf(Error);
  });

  it('a write lock held past the busy timeout fails closed as StoreError and writes nothing', async () => {
    const file = join(dir, 'locked.db');
    await using store = sqliteStore(file, { busyTimeoutMs: 50 });
    const holder = new Database(file);
    holder.exec('BEGIN IMMEDIATE');
    await expect(store.createGrant(grant, peer)).rejects.toMatchObject({
      code: 'store_error',
      details: { sqliteCode: 'SQLITE_BUSY' },
      remediation: expect.stringMatching(/busyTimeoutMs/),
    });
    holder.exec('ROLLBACK');
    holder.close();
    expect(await store.getGrant('g-1')).toBeNull();
  });

  it('a file in a directory that does not exist fails with StoreError and a remediation', () => {
    let error: unknown;
    try {
      sqliteStore(join(dir, 'missing', 'x.db'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).remediation).toMatch(/directory/);
  });

  it('reads numbers, not BigInts, from a host handle opened with safeIntegers', async () => {
    const db = new Database(join(dir, 'host.db'));
    db.defaultSafeIntegers(true);
    await using store = sqliteStore(db);
    await store.createGrant(grant, peer);
    expect((await store.getGrant('g-1'))?.createdAt).toEqual(now);
    const record = await store.appendAudit('gw', {
      time: now.toISOString(),
      grantId: 'g-1',
      subject: 'u-1',
      certSerial: null,
      verb: 'list',
      resource: 'notes',
      outcome: 'allow',
      reason: null,
      rowsOut: 3,
      bytesOut: 120,
    });
    expect(record.seq).toBe(1);
    db.close();
  });

  it('never writes a plaintext provider token to the database file', async () => {
    const file = join(dir, 'secrets.db');
    const store = sqliteStore(file);
    const decision = await admitProvider(
      { providerId: 'prov-1' },
      { store, requireProviderTokens: false, clock: systemClock, random: systemRandom },
    );
    expect(decision.admit && decision.token).toBeTruthy();
    const token = decision.admit ? (decision.token ?? '') : '';
    await store.close();
    const bytes = readFileSync(file).toString('latin1');
    expect(bytes).not.toContain(token);
    expect(bytes).not.toContain(token.slice(4));
    expect(bytes).toContain(hashToken(token));
  });
});
