/**
 * Store throughput: bearer admission decisions/s and audit appends/s on SQLite and on
 * Postgres, each against the raw driver running the same single
 * `UPDATE provider_tokens … RETURNING *` (the statement `validateAndMarkUsed` issues) in the
 * same run, on the same database; and round trips per bearer admission on Postgres,
 * counted at the pool.
 *
 * @module @fedtrust/bench/sections/stores
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PgPool, type PgPoolClient, pgStore } from '@fedtrust/adapter-pg';
import { startEmbeddedPostgres } from '@fedtrust/adapter-pg/testing';
import { sqliteStore } from '@fedtrust/adapter-sqlite';
import {
  type AdmissionDeps,
  type AuditEvent,
  admitProvider,
  type FederationStore,
  hashToken,
} from '@fedtrust/core';
import { systemClock, systemRandom } from '@fedtrust/core/system';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type Figure, figure, type Round, sequentialRate } from '../measure.js';

const PROVIDERS = 64;
const ROUNDS = 5;
const SQLITE_MS = 400;
const PG_MS = 800;
const MAX_OPS = 200_000;

const UPDATE_SQL = (table: string, p: (n: number) => string) =>
  `UPDATE ${table} SET last_used_at = ${p(1)}
   WHERE provider_id = ${p(2)} AND token_hash = ${p(3)} AND revoked_at IS NULL
   RETURNING *`;

interface Seeded {
  ids: string[];
  tokens: string[];
  hashes: string[];
}

/** Providers with one minted token each, as their first tokenless connection leaves them. */
async function seed(store: FederationStore): Promise<Seeded> {
  const seeded: Seeded = { ids: [], tokens: [], hashes: [] };
  for (let i = 0; i < PROVIDERS; i++) {
    const providerId = `provider-${i}`;
    const decision = await admitProvider(
      { providerId },
      { store, requireProviderTokens: false, clock: systemClock, random: systemRandom },
    );
    if (!decision.admit || decision.token === undefined) throw new Error(`seeding ${providerId} failed`);
    seeded.ids.push(providerId);
    seeded.tokens.push(decision.token);
    seeded.hashes.push(hashToken(decision.token));
  }
  return seeded;
}

function event(i: number): AuditEvent {
  return {
    time: new Date().toISOString(),
    grantId: '5c1d7e0a-2b4f-4c6d-8e9f-0a1b2c3d4e5f',
    subject: '5c1d7e0a-2b4f-4c6d-8e9f-0a1b2c3d4e5f',
    certSerial: '6796b0ac34287dc35310bbe14a1d50aa',
    verb: 'list',
    resource: 'tasks',
    outcome: 'allow',
    reason: null,
    rowsOut: i % 6,
    bytesOut: 412,
  };
}

interface Ops {
  admit(i: number): Promise<void>;
  append(i: number): Promise<void>;
  /** The raw driver's single statement. Synchronous for better-sqlite3, as its users call it. */
  raw(i: number): unknown;
}

async function compare(ops: Ops, ms: number): Promise<{ admit: Round[]; append: Round[] }> {
  const admit: Round[] = [];
  const append: Round[] = [];
  let i = 0;
  const next = () => i++;
  // Warm-up outside the timed rounds: statement caches, query plans, pool connections, JIT.
  for (let w = 0; w < 50; w++) {
    await ops.raw(next());
    await ops.admit(next());
    await ops.append(next());
  }
  for (let round = 0; round < ROUNDS; round++) {
    const raw = await sequentialRate(() => ops.raw(next()), { ms, maxOps: MAX_OPS });
    const admitted = await sequentialRate(() => ops.admit(next()), { ms, maxOps: MAX_OPS });
    const appended = await sequentialRate(() => ops.append(next()), { ms, maxOps: MAX_OPS });
    admit.push({ value: admitted, baseline: raw, ratio: admitted / raw });
    append.push({ value: appended, baseline: raw, ratio: appended / raw });
  }
  return { admit, append };
}

function admissionOps(store: FederationStore, seeded: Seeded, raw: (i: number) => unknown): Ops {
  const deps: AdmissionDeps = {
    store,
    requireProviderTokens: false,
    clock: systemClock,
    random: systemRandom,
  };
  return {
    async admit(i) {
      const k = i % PROVIDERS;
      const decision = await admitProvider(
        { providerId: seeded.ids[k] as string, bearer: seeded.tokens[k] as string },
        deps,
      );
      if (!decision.admit || decision.authState !== 'bearer_validated')
        throw new Error('bearer admission failed');
    },
    async append(i) {
      await store.appendAudit('bench', event(i));
    },
    raw,
  };
}

export async function sqliteFigures(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'fedtrust-bench-sqlite-'));
  const db = new Database(join(dir, 'bench.db'));
  const store = sqliteStore(db);
  try {
    const seeded = await seed(store);
    const statement = db.prepare(UPDATE_SQL('provider_tokens', () => '?'));
    const raw = (i: number) => {
      const k = i % PROVIDERS;
      const row = statement.get(Date.now(), seeded.ids[k], seeded.hashes[k]);
      if (row === undefined) throw new Error('raw UPDATE matched no row');
      return row;
    };
    const { admit, append } = await compare(admissionOps(store, seeded, raw), SQLITE_MS);
    return [
      figure({
        id: 'admission_sqlite',
        title: 'bearer admission decisions/s, sqliteStore (admitProvider: hash + validateAndMarkUsed)',
        unit: 'decisions/s',
        rounds: admit,
        baselineTitle: 'better-sqlite3 .get() of the same UPDATE … RETURNING, same file',
        ratioMeaning: '× raw',
        target: { on: 'ratio', op: '>=', value: 0.8, label: '≥ 0.8× raw' },
      }),
      figure({
        id: 'audit_sqlite',
        title: 'audit appends/s, sqliteStore (BEGIN IMMEDIATE: read head, hash, insert)',
        unit: 'appends/s',
        rounds: append,
        baselineTitle: 'better-sqlite3 .get() of the same single UPDATE … RETURNING',
        ratioMeaning: '× raw',
      }),
    ];
  } finally {
    await store.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Wraps a pool so every statement sent to the server, on the pool or a checked-out client, is counted. */
function countingPool(pool: pg.Pool): PgPool & { statements: number } {
  const counted = {
    statements: 0,
    query(text: string, values?: unknown[]) {
      counted.statements += 1;
      return pool.query(text, values) as unknown as ReturnType<PgPool['query']>;
    },
    async connect(): Promise<PgPoolClient> {
      const client = await pool.connect();
      return {
        query(text: string, values?: unknown[]) {
          counted.statements += 1;
          return client.query(text, values) as unknown as ReturnType<PgPoolClient['query']>;
        },
        release: (destroy?: Error | boolean) => client.release(destroy),
        on: (e: 'error', listener: (error: Error) => void) => client.on(e, listener),
        removeListener: (e: 'error', listener: (error: Error) => void) => client.removeListener(e, listener),
      };
    },
  };
  return counted;
}

export async function postgresFigures(): Promise<Figure[]> {
  const server = await startEmbeddedPostgres();
  let pool: pg.Pool | null = null;
  try {
    await server.createDatabase('bench');
    pool = new pg.Pool({ connectionString: server.connectionString('bench'), max: 4 });
    // An idle client losing its server must fail this section, not crash the whole bench.
    let lost: Error | null = null;
    pool.on('error', (error) => {
      lost = error;
    });
    const counting = countingPool(pool);
    const store = pgStore(counting);
    await store.migrate();
    const seeded = await seed(store);
    const sql = UPDATE_SQL('fedtrust.provider_tokens', (n) => `$${n}`);
    const direct = pool;
    const raw = async (i: number) => {
      const k = i % PROVIDERS;
      const result = await direct.query(sql, [new Date(), seeded.ids[k], seeded.hashes[k]]);
      if (result.rowCount !== 1) throw new Error('raw UPDATE matched no row');
    };
    const ops = admissionOps(store, seeded, raw);
    const { admit, append } = await compare(ops, PG_MS);

    const sample = 200;
    const before = counting.statements;
    for (let i = 0; i < sample; i++) await ops.admit(i);
    const perAdmission = (counting.statements - before) / sample;
    const beforeAppend = counting.statements;
    for (let i = 0; i < sample; i++) await ops.append(i);
    const perAppend = (counting.statements - beforeAppend) / sample;
    await store.close();
    if (lost !== null) throw new Error(`a Postgres connection was lost during the run: ${String(lost)}`);
    return [
      figure({
        id: 'admission_pg',
        title: 'bearer admission decisions/s, pgStore (one client at a time)',
        unit: 'decisions/s',
        rounds: admit,
        baselineTitle: 'pg pool.query of the same UPDATE … RETURNING, same database',
        ratioMeaning: '× raw',
      }),
      figure({
        id: 'admission_pg_round_trips',
        title: 'round trips per bearer admission on Postgres (statements counted at the pool)',
        unit: 'round trips',
        rounds: [{ value: perAdmission, baseline: 1, ratio: perAdmission }],
        baselineTitle: 'the raw single statement: 1',
        ratioMeaning: 'round trips',
        target: { on: 'value', op: '==', value: 1, label: 'exactly 1' },
      }),
      figure({
        id: 'audit_pg',
        title: `audit appends/s, pgStore (${perAppend} statements each, one transaction)`,
        unit: 'appends/s',
        rounds: append,
        baselineTitle: 'pg pool.query of the same single UPDATE … RETURNING',
        ratioMeaning: '× raw',
      }),
    ];
  } finally {
    await pool?.end();
    await server.stop();
  }
}
