import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AdmissionDecision,
  type AuditEvent,
  chainHash,
  GENESIS_HASH,
  hashToken,
  verifyChain,
} from '@fedtrust/core';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteStore } from './sqlite-store.js';
import type { DuelToken, RaceJob } from './test-support/race-jobs.js';
import { bundleRaceWorker, runRaceWorkers } from './test-support/spawn-race-workers.js';

const THREADS = 8;
let dir: string;
let workerFile: string;
let files = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fedtrust-sqlite-races-'));
  workerFile = await bundleRaceWorker(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A migrated, empty database file, and a raw connection to count rows with afterwards. */
async function freshFile(): Promise<{ file: string; rows: Database.Database }> {
  files += 1;
  const file = join(dir, `race-${files}.db`);
  await sqliteStore(file).close();
  return { file, rows: new Database(file, { readonly: true }) };
}

const eight = <T>(make: (thread: number) => T): T[] => Array.from({ length: THREADS }, (_, t) => make(t));

describe('races on a real SQLite file, 8 threads with one connection each', () => {
  it('64 concurrent tokenless admissions of one provider leave exactly one active token', async () => {
    const { file, rows } = await freshFile();
    const jobs: RaceJob[] = eight(() => ({ kind: 'admit', providerId: 'prov-1', count: 8 }));
    const decisions = (await runRaceWorkers(workerFile, file, jobs)).flat() as AdmissionDecision[];

    expect(decisions).toHaveLength(64);
    // Nobody ever presented a bearer, so no token was used and nobody may be refused.
    expect(decisions.every((d) => d.admit)).toBe(true);
    const active = rows
      .prepare('SELECT token_hash FROM provider_tokens WHERE provider_id = ? AND revoked_at IS NULL')
      .all('prov-1') as { token_hash: string }[];
    expect(active).toHaveLength(1);
    // Every token handed out has exactly one row, and exactly one of them is the active one.
    const handedOut = decisions.flatMap((d) =>
      d.admit && d.token !== undefined ? [hashToken(d.token)] : [],
    );
    const stored = rows
      .prepare('SELECT count(*) AS n FROM provider_tokens WHERE provider_id = ?')
      .get('prov-1');
    expect(stored).toEqual({ n: handedOut.length });
    expect(handedOut.filter((h) => h === active[0]?.token_hash)).toHaveLength(1);
    rows.close();
  });

  it('64 concurrent issue() calls for one provider: exactly one insert wins, 63 see active_exists', async () => {
    const { file, rows } = await freshFile();
    const jobs: RaceJob[] = eight((t) => ({
      kind: 'issue',
      providerId: 'prov-1',
      tokenIds: Array.from({ length: 8 }, (_, i) => `tok-${t}-${i}`),
    }));
    const issued = (await runRaceWorkers(workerFile, file, jobs)).flat();
    expect(issued.filter((x) => x === true)).toHaveLength(1);
    expect(issued.filter((x) => x === false)).toHaveLength(63);
    expect(rows.prepare('SELECT count(*) AS n FROM provider_tokens').get()).toEqual({ n: 1 });
    rows.close();
  });

  it('64 concurrent redemptions of one enrollment token: exactly one ok, 63 already_used', async () => {
    const { file, rows } = await freshFile();
    const store = sqliteStore(file);
    const now = new Date();
    await store.createGrant(
      {
        id: 'g-1',
        tenantId: 't-1',
        peerId: 'p-1',
        subjectUserId: 'u-1',
        scope: { resources: ['notes'], max_rows_per_query: 100 },
        status: 'pending',
        createdAt: now,
        activatedAt: null,
        revokedAt: null,
        expiresAt: null,
      },
      { id: 'p-1', name: 'peer-1', tenantId: 't-1', status: 'pending', createdAt: now, updatedAt: now },
    );
    await store.insertEnrollmentToken({
      tokenHash: hashToken('fte_race'),
      prefix: 'fte_race',
      grantId: 'g-1',
      peerId: 'p-1',
      createdAt: now,
      expiresAt: new Date(now.getTime() + 15 * 60_000),
      usedAt: null,
    });
    await store.close();

    const jobs: RaceJob[] = eight(() => ({ kind: 'redeem', tokenHash: hashToken('fte_race'), count: 8 }));
    const outcomes = (await runRaceWorkers(workerFile, file, jobs)).flat();
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'already_used')).toHaveLength(63);
    expect(
      rows.prepare('SELECT count(*) AS n FROM enrollment_tokens WHERE used_at IS NOT NULL').get(),
    ).toEqual({
      n: 1,
    });
    rows.close();
  });

  it('validateAndMarkUsed racing revokeUnused on 1,000 fresh tokens: a token that validated is never revoked', async () => {
    const { file, rows } = await freshFile();
    const store = sqliteStore(file);
    const tokens: DuelToken[] = [];
    const now = new Date();
    for (let i = 0; i < 1000; i++) {
      const token = { id: `tok-${i}`, providerId: `prov-${i}`, tokenHash: hashToken(`ftp_duel_${i}`) };
      tokens.push(token);
      await store.issue({ ...token, prefix: 'ftp_duel', createdAt: now, lastUsedAt: null, revokedAt: null });
    }
    await store.close();

    const lockstep = new SharedArrayBuffer(4 * tokens.length);
    const [validated, revoked] = (await runRaceWorkers(workerFile, file, [
      { kind: 'duel', side: 'validate', tokens, lockstep },
      { kind: 'duel', side: 'revoke', tokens, lockstep },
    ])) as [boolean[], boolean[]];

    // Exactly one side wins each duel, and the rows agree with what each side was told.
    for (let i = 0; i < tokens.length; i++) expect(validated[i] !== revoked[i]).toBe(true);
    // The duel is real: lockstep kept both sides level, so each side won some of them.
    expect(validated.some(Boolean) && revoked.some(Boolean)).toBe(true);
    const both = rows.prepare(
      'SELECT count(*) AS n FROM provider_tokens WHERE last_used_at IS NOT NULL AND revoked_at IS NOT NULL',
    );
    expect(both.get()).toEqual({ n: 0 });
    const validatedRows = rows.prepare(
      'SELECT count(*) AS n FROM provider_tokens WHERE last_used_at IS NOT NULL AND revoked_at IS NULL',
    );
    expect(validatedRows.get()).toEqual({ n: validated.filter(Boolean).length });
    const revokedRows = rows.prepare(
      'SELECT count(*) AS n FROM provider_tokens WHERE revoked_at IS NOT NULL AND last_used_at IS NULL',
    );
    expect(revokedRows.get()).toEqual({ n: revoked.filter(Boolean).length });
    rows.close();
  });

  it('4 threads activating and 4 revoking each of 200 grants in lockstep: one revocation wins, at most one activation, revoked is final', async () => {
    const { file, rows } = await freshFile();
    const store = sqliteStore(file);
    const now = new Date('2031-04-05T06:07:08.123Z');
    const grantIds = Array.from({ length: 200 }, (_, i) => `g-${i}`);
    for (const id of grantIds) {
      await store.createGrant(
        {
          id,
          tenantId: 't-1',
          peerId: `p-${id}`,
          subjectUserId: 'u-1',
          scope: { resources: ['notes'], max_rows_per_query: 10 },
          status: 'pending',
          createdAt: now,
          activatedAt: null,
          revokedAt: null,
          expiresAt: null,
        },
        { id: `p-${id}`, name: id, tenantId: 't-1', status: 'pending', createdAt: now, updatedAt: now },
      );
    }
    await store.close();

    const lockstep = new SharedArrayBuffer(4 * grantIds.length);
    // Thread t stamps instant 1000 + t, so the stored instant names the thread that won.
    const jobs: RaceJob[] = eight((t) =>
      t < 4
        ? {
            kind: 'transition',
            grantIds,
            from: ['pending'],
            to: 'active',
            at: 1000 + t,
            parties: THREADS,
            lockstep,
          }
        : {
            kind: 'transition',
            grantIds,
            from: ['pending', 'active'],
            to: 'revoked',
            at: 1000 + t,
            parties: THREADS,
            lockstep,
          },
    );
    const won = (await runRaceWorkers(workerFile, file, jobs)) as boolean[][];

    const stored = rows
      .prepare('SELECT id, status, activated_at, revoked_at FROM grants ORDER BY id')
      .all() as { id: string; status: string; activated_at: number | null; revoked_at: number | null }[];
    const byId = new Map(stored.map((r) => [r.id, r]));
    for (const [i, id] of grantIds.entries()) {
      const activators = [0, 1, 2, 3].filter((t) => won[t]?.[i]);
      const revokers = [4, 5, 6, 7].filter((t) => won[t]?.[i]);
      expect({ id, revokers: revokers.length }).toEqual({ id, revokers: 1 });
      expect(activators.length).toBeLessThanOrEqual(1);
      const row = byId.get(id);
      expect(row?.status).toBe('revoked');
      expect(row?.revoked_at).toBe(1000 + (revokers[0] ?? -1));
      expect(row?.activated_at).toBe(activators.length === 0 ? null : 1000 + (activators[0] ?? -1));
    }
    rows.close();
  });

  it('8 appenders x 500 audit events on one chain: 4,000 rows that verify, no gap, no fork', async () => {
    const { file, rows } = await freshFile();
    const jobs: RaceJob[] = eight((t) => ({ kind: 'append', chainId: 'gw', count: 500, worker: t }));
    const seqs = (await runRaceWorkers(workerFile, file, jobs)) as number[][];

    // Every appender saw its own seqs strictly increase, and no seq was handed out twice.
    for (const mine of seqs) {
      expect(mine).toHaveLength(500);
      expect(mine.every((s, i) => i === 0 || s > (mine[i - 1] ?? 0))).toBe(true);
    }
    expect(new Set(seqs.flat()).size).toBe(4000);

    // Recompute the chain from the raw rows, independently of the store's read path.
    const raw = rows
      .prepare('SELECT seq, prev_hash, hash, event FROM audit_events WHERE chain_id = ? ORDER BY seq')
      .all('gw') as { seq: number; prev_hash: string; hash: string; event: string }[];
    expect(raw).toHaveLength(4000);
    let prev = GENESIS_HASH;
    raw.forEach((row, index) => {
      expect(row.seq).toBe(index + 1);
      expect(row.prev_hash).toBe(prev);
      expect(row.hash).toBe(chainHash(prev, JSON.parse(row.event) as AuditEvent));
      prev = row.hash;
    });
    const perWriter = rows
      .prepare(
        "SELECT json_extract(event, '$.subject') AS subject, count(*) AS n FROM audit_events GROUP BY 1",
      )
      .all();
    expect(perWriter).toEqual(eight((t) => ({ subject: `worker-${t}`, n: 500 })));

    const store = sqliteStore(file);
    const records = await store.listAudit('gw');
    expect(verifyChain(records)).toEqual({ ok: true, length: 4000, head: prev });
    await store.close();
    rows.close();
  });
});
