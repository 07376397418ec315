import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FederationStore } from '@fedtrust/core';
import { runStoreConformance } from '@fedtrust/core/testing';
import { afterAll } from 'vitest';
import { sqliteStore } from './sqlite-store.js';

const root = mkdtempSync(join(tmpdir(), 'fedtrust-sqlite-conformance-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Each store gets its own real file; a second handle is another better-sqlite3 connection
// on that file, exactly what a second process would open.
const files = new WeakMap<FederationStore, string>();
let counter = 0;

runStoreConformance({
  name: 'sqlite',
  async makeStore() {
    counter += 1;
    const file = join(root, `store-${counter}.db`);
    const store = sqliteStore(file);
    files.set(store, file);
    return store;
  },
  async openSecondHandle(store) {
    const file = files.get(store);
    if (file === undefined) throw new Error('openSecondHandle got a store makeStore did not create');
    return sqliteStore(file);
  },
  capabilities: { multipleHandles: true },
});
