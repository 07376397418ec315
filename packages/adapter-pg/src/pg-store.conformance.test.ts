import { runStoreConformance } from '@fedtrust/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { pgStore } from './pg-store.js';
import { quoteIdent } from './sql.js';
import { openPgFixture, type PgFixture } from './test-fixture.js';
import type { PgFederationStore } from './types.js';

let fx: PgFixture;
// A second pool stands for a second gateway replica sharing the database.
let replicaPool: ReturnType<PgFixture['newPool']>;

beforeAll(async () => {
  fx = await openPgFixture();
  replicaPool = fx.newPool(8);
});
afterAll(async () => {
  await fx?.close();
});

runStoreConformance({
  name: 'postgres',
  makeStore: () => fx.store(),
  openSecondHandle: async (store) => pgStore(replicaPool, { schema: (store as PgFederationStore).schema }),
  destroyStore: async (store) => {
    await store.close();
    await fx.admin.query(`DROP SCHEMA ${quoteIdent((store as PgFederationStore).schema)} CASCADE`);
  },
  capabilities: { multipleHandles: true },
});
