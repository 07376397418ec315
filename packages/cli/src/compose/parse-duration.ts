/**
 * Durations as operators type them: `90s`, `15m`, `24h`, `30d`, `2w`.
 *
 * @module @fedtrust/cli
 */
import { UsageError } from '../output/exit-codes.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Whole seconds of a duration like `15m`; throws `UsageError` `duration_invalid` naming the flag. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d{1,9})([smhdw])$/.exec(text.trim());
  const unit = match === null ? undefined : UNIT_SECONDS[match[2] as string];
  if (match === null || unit === undefined || Number(match[1]) === 0) {
    throw new UsageError(
      'duration_invalid',
      `${flag} "${text}" is not a duration.`,
      `Give ${flag} as a positive whole number with a unit: s, m, h, d or w (e.g. 15m, 30d).`,
    );
  }
  return Number(match[1]) * unit;
}

/** A positive whole number from a flag, or `UsageError` `number_invalid`. */
export function parsePositiveInt(text: string, flag: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value <= 0) {
    throw new UsageError(
      'number_invalid',
      `${flag} "${text}" is not a positive whole number.`,
      `Give ${flag} as e.g. 50.`,
    );
  }
  return value;
}
