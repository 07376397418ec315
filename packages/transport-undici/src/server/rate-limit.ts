/**
 * Rate limiting on rate-limiter-flexible: the per-grant budget and the per-address
 * enrollment budget share one way of answering.
 *
 * @module @fedtrust/transport-undici
 */
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateBudget } from './options.js';

/** Outcome of spending one point. `error` means the limiter itself failed (fail closed). */
export type RateOutcome =
  | { ok: true }
  | { ok: false; kind: 'limited'; retryAfterSeconds: number }
  | { ok: false; kind: 'error'; cause: unknown };

export function memoryLimiter(budget: RateBudget, keyPrefix: string): RateLimiterAbstract {
  return new RateLimiterMemory({ points: budget.points, duration: budget.durationSeconds, keyPrefix });
}

/**
 * Spends one point of `key`'s budget. A rejection carrying a `RateLimiterRes` is a limit;
 * anything else (a database down under `RateLimiterPostgres`) is an error the caller must
 * answer by denying.
 */
export async function spend(limiter: RateLimiterAbstract, key: string): Promise<RateOutcome> {
  try {
    await limiter.consume(key, 1);
    return { ok: true };
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) {
      return {
        ok: false,
        kind: 'limited',
        retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)),
      };
    }
    return { ok: false, kind: 'error', cause: rejection };
  }
}
