/**
 * Go `time.Duration` strings as step-ca writes them in provisioner claims (`24h`, `5m0s`).
 *
 * @module @fedtrust/ca-stepca
 */

const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

/** Seconds in a Go duration string, or `null` when it is not one. */
export function parseGoDuration(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const match = /^([+-]?)((?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+)$/.exec(value.trim());
  if (match === null) return value.trim() === '0' ? 0 : null;
  let seconds = 0;
  for (const part of (match[2] as string).matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    seconds += Number(part[1]) * (UNIT_SECONDS[part[2] as string] as number);
  }
  return match[1] === '-' ? -seconds : seconds;
}
