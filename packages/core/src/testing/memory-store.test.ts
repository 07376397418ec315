import { describe, expect, it } from 'vitest';
import { StoreError } from '../errors/fedtrust-error.js';
import type { FederationStore } from '../ports/store.js';
import { runStoreConformance } from './conformance/run-store-conformance.js';
import { memoryStore } from './memory-store.js';

runStoreConformance({
  name: 'memory',
  makeStore: async () => memoryStore(),
  capabilities: { multipleHandles: false },
});

// A second handle on a memory store shares its state but not its lifetime, as a second
// pool on one database would; this runs the cross-handle races against the reference too.
runStoreConformance({
  name: 'memory (two handles on one state)',
  makeStore: async () => memoryStore(),
  openSecondHandle: async (store: FederationStore) => ({ ...store, close: async () => {} }),
  capabilities: { multipleHandles: true },
});

describe('memoryStore', () => {
  it('rejects every call after close() with StoreError', async () => {
    const store = memoryStore();
    await store.close();
    await expect(store.getGrant('x')).rejects.toBeInstanceOf(StoreError);
    await expect(store.redeemEnrollmentToken('x', new Date(0))).rejects.toBeInstanceOf(StoreError);
  });

  it('two stores never share state', async () => {
    const a = memoryStore();
    const b = memoryStore();
    await a.putSealed({ id: 'ca:root', keyId: 'k1', envelope: 'e', updatedAt: new Date(0) });
    expect(await b.listSealed()).toEqual([]);
  });
});
