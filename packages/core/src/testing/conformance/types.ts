/**
 * Options shared by the store conformance sections.
 *
 * @module @fedtrust/core/testing
 */
import type { FederationStore } from '../../ports/store.js';

/** Optional capabilities a store may lack; each one skipped is reported by name, never silently. */
export interface StoreCapabilities {
  /**
   * The store can be opened twice on the same data (two pools, two replicas) through
   * `openSecondHandle`; the cross-handle races run only then.
   */
  multipleHandles: boolean;
}

export interface StoreConformanceOptions {
  /** Shown in the describe block, e.g. `sqlite` or `postgres`. */
  name: string;
  /** A fresh, migrated, empty store for each test. */
  makeStore: () => Promise<FederationStore>;
  /** A second store handle on the same data as `store` (another pool / connection). */
  openSecondHandle?: (store: FederationStore) => Promise<FederationStore>;
  /** Called after each test with the store `makeStore` returned (close it, drop the database). */
  destroyStore?: (store: FederationStore) => Promise<void>;
  capabilities: StoreCapabilities;
}

/** What each conformance section receives. Every store it hands out is cleaned up after the test. */
export interface ConformanceContext {
  options: StoreConformanceOptions;
  /** A fresh store, destroyed after the current test. */
  fresh(): Promise<FederationStore>;
  /**
   * A second handle on the same data as `store` (via `openSecondHandle`), closed after the
   * current test and before `store` is destroyed. Only cases registered with
   * `crossHandleIt` call it; they are skipped, by name, when `multipleHandles` is false.
   */
  secondHandle(store: FederationStore): Promise<FederationStore>;
}
