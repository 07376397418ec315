/**
 * Which `rate_limited` denies of clients without a usable certificate reach the audit chain:
 * the first per limiter key per window. Such a client can send as many requests as it likes;
 * auditing each deny would let it grow the chain and compete with the appends that matter.
 *
 * @module @fedtrust/transport-undici
 */
import type { Clock } from '@fedtrust/core';
import { LRUCache } from 'lru-cache';

/**
 * Keys remembered at once. Past it the key denied longest ago is forgotten, and its next deny
 * is audited again: memory stays bounded, and forgetting only ever adds records.
 */
export const DENY_WINDOW_KEYS = 10_000;

/**
 * Returns `first(key, msBeforeNext)`: `true` for the first deny of `key` in the limiter's
 * current window — which ends `msBeforeNext` after `clock.now()` at that deny, as the limiter
 * reported it — and `false` for every later deny of `key` until then. An unreadable clock
 * answers `true` (when in doubt, audit).
 */
export function firstDenyPerWindow(
  clock: Clock,
  max = DENY_WINDOW_KEYS,
): (key: string, msBeforeNext: number) => boolean {
  const windowEnds = new LRUCache<string, number>({ max });
  return (key, msBeforeNext) => {
    const now = clock.now().getTime();
    const end = windowEnds.get(key);
    if (end !== undefined && now < end) return false;
    windowEnds.set(key, now + msBeforeNext);
    return true;
  };
}
