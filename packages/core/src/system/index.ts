/**
 * `@fedtrust/core/system`: the system clock and CSPRNG behind the `Clock` and `Random`
 * ports. This is the only module of core that reads the wall clock or the OS random
 * source; no rule imports it, hosts and adapters pass it in.
 *
 * @module @fedtrust/core/system
 */
import type { Clock, Random } from '../ports/runtime.js';

/** The wall clock. */
export const systemClock: Clock = { now: () => new Date() };

/** WebCrypto's CSPRNG. */
export const systemRandom: Random = {
  bytes: (n) => globalThis.crypto.getRandomValues(new Uint8Array(n)),
  uuid: () => globalThis.crypto.randomUUID(),
};
