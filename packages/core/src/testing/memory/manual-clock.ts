/**
 * A `Clock` that moves only when a test says so, for expiry and TTL cases without timers.
 *
 * @module @fedtrust/core/testing
 */
import type { Clock } from '../../ports/runtime.js';

/** A clock stopped at `start`; `advance(ms)` and `set(date)` move it. Each `now()` is a fresh Date. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
  set(date: Date): void;
}

/** A {@link ManualClock} starting at `start`. */
export function manualClock(start: Date): ManualClock {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(ms) {
      now += ms;
    },
    set(date) {
      now = date.getTime();
    },
  };
}
