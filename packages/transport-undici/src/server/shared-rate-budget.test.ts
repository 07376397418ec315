/**
 * Two gateway replicas on one Postgres: with `RateLimiterPostgres` on their pools they
 * spend one grant's budget together, so the request past the limit answers 429 whichever
 * replica it reaches.
 */
import { pgStore } from '@fedtrust/adapter-pg';
import {
  createTestDatabase,
  type EmbeddedPostgresServer,
  startEmbeddedPostgres,
} from '@fedtrust/adapter-pg/testing';
import { localCa } from '@fedtrust/ca-local';
import pg from 'pg';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import { type Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  arraySource,
  mtlsAgent,
  startGateway,
  type TestGateway,
  testSealer,
} from '../test-support/gateway.js';

let postgres: EmbeddedPostgresServer | undefined;
const pools: pg.Pool[] = [];
const gateways: TestGateway[] = [];
let dropDatabase: (() => Promise<void>) | undefined;

function limiter(pool: pg.Pool, tableCreated: boolean): Promise<RateLimiterPostgres> {
  return new Promise((resolve, reject) => {
    const created: RateLimiterPostgres = new RateLimiterPostgres(
      {
        storeClient: pool,
        tableName: 'fedtrust_rate_limits',
        keyPrefix: 'grant',
        points: 4,
        duration: 60,
        tableCreated,
      },
      // With tableCreated the callback runs inside the constructor, before `created` is assigned.
      (error) => queueMicrotask(() => (error ? reject(error) : resolve(created))),
    );
  });
}

beforeAll(async () => {
  postgres = await startEmbeddedPostgres();
  const db = await createTestDatabase(postgres);
  dropDatabase = db.drop;
  for (let i = 0; i < 2; i++) {
    const pool = new pg.Pool({ connectionString: db.connectionString, max: 4 });
    pool.on('error', () => {});
    pools.push(pool);
  }
  const [poolA, poolB] = pools as [pg.Pool, pg.Pool];
  const storeA = pgStore(poolA);
  await storeA.migrate();
  const storeB = pgStore(poolB);
  const sealer = testSealer();
  const sources = { notes: arraySource([{ id: 1 }]) };
  gateways.push(
    await startGateway({
      name: 'replica-a',
      store: storeA,
      ca: localCa({ store: storeA, sealer }),
      sources,
      rateLimiter: await limiter(poolA, false),
    }),
  );
  gateways.push(
    await startGateway({
      name: 'replica-b',
      store: storeB,
      ca: localCa({ store: storeB, sealer }),
      sources,
      rateLimiter: await limiter(poolB, true),
    }),
  );
});

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await Promise.all(pools.map((p) => p.end()));
  await dropDatabase?.();
  await postgres?.stop();
});

describe('shared rate budget on Postgres', () => {
  it('answers 429 past the budget across both replicas', async () => {
    const [a, b] = gateways as [TestGateway, TestGateway];
    const enrolled = await a.enrol({ resources: ['notes'], max_rows_per_query: 5 });
    expect(b.rootsPem).toEqual(a.rootsPem);
    const agent: Agent = mtlsAgent(
      a.rootsPem,
      enrolled.certificatePem,
      enrolled.chainPem,
      enrolled.key.privateKeyPem,
    );
    try {
      const list = async (gateway: TestGateway) =>
        (
          await request(`${gateway.url}/fedtrust/v1/list/notes`, {
            dispatcher: agent,
            method: 'POST',
            body: '{}',
          })
        ).statusCode;
      const statuses = [
        await list(a),
        await list(b),
        await list(a),
        await list(b),
        await list(b),
        await list(a),
      ];
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
      const denied = (await b.store.listAudit('federation')).filter((r) => r.event.reason === 'rate_limited');
      expect(denied).toHaveLength(2);
    } finally {
      await agent.close();
    }
  });
});
