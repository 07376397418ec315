/**
 * Rate limiting on rate-limiter-flexible: the per-grant budget and the per-address
 * enrollment budget share one way of answering.
 *
 * @module @fedtrust/transport-undici
 */
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateBudget } from './options.js';

/**
 * Outcome of spending one point. `error` means the limiter itself failed (fail closed).
 * `msBeforeNext` is when the limiter's window ends, as it reported it.
 */
export type RateOutcome =
  | { ok: true }
  | { ok: false; kind: 'limited'; retryAfterSeconds: number; msBeforeNext: number }
  | { ok: false; kind: 'error'; cause: unknown };

export function memoryLimiter(budget: RateBudget, keyPrefix: string): RateLimiterAbstract {
  return new RateLimiterMemory({ points: budget.points, duration: budget.durationSeconds, keyPrefix });
}

/**
 * A limit, as any copy of rate-limiter-flexible reports it. Matched by shape, not by class:
 * a host passing a limiter from its own install (another version, another copy) rejects with
 * that copy's `RateLimiterRes`, which `instanceof` would misread as a limiter failure.
 */
function isLimit(rejection: unknown): rejection is Pick<RateLimiterRes, 'msBeforeNext'> {
  if (rejection instanceof RateLimiterRes) return true;
  if (typeof rejection !== 'object' || rejection === null || rejection instanceof Error) return false;
  const msBeforeNext = (rejection as { msBeforeNext?: unknown }).msBeforeNext;
  return typeof msBeforeNext === 'number' && Number.isFinite(msBeforeNext) && msBeforeNext >= 0;
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
    if (isLimit(rejection)) {
      return {
        ok: false,
        kind: 'limited',
        retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)),
        msBeforeNext: rejection.msBeforeNext,
      };
    }
    return { ok: false, kind: 'error', cause: rejection };
  }
}
