/**
 * When a client certificate is renewed.
 *
 * @module @fedtrust/transport-undici
 */

/** Default fraction of a certificate's lifetime after which it is renewed. */
export const DEFAULT_RENEW_FRACTION = 2 / 3;

/** Longest delay node's timers accept; longer waits are re-planned when the timer fires. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Milliseconds from `now` until renewal is due: `notBefore + fraction × lifetime`, never
 * negative (a certificate already past that point renews at once), never beyond what a node
 * timer can wait.
 */
export function renewalDelayMs(
  notBefore: Date,
  notAfter: Date,
  now: Date,
  fraction = DEFAULT_RENEW_FRACTION,
): number {
  const lifetime = notAfter.getTime() - notBefore.getTime();
  const due = notBefore.getTime() + Math.max(0, lifetime) * fraction;
  return Math.min(MAX_TIMER_MS, Math.max(0, Math.floor(due - now.getTime())));
}
