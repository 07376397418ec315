/**
 * What lifecycle operations need from the host.
 *
 * @module @fedtrust/core/grant
 */
import type { Clock } from '../ports/runtime.js';
import type { FederationStore } from '../ports/store.js';

/** Store and clock for the state-changing operations on an existing grant or peer. */
export interface LifecycleDeps {
  store: FederationStore;
  clock: Clock;
}
