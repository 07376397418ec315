import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_TIMER_MS, renewalDelayMs } from './renewal-delay.js';

describe('renewalDelayMs', () => {
  it('is due at two thirds of the lifetime', () => {
    const notBefore = new Date('2030-01-01T00:00:00Z');
    const notAfter = new Date('2030-01-01T03:00:00Z');
    expect(renewalDelayMs(notBefore, notAfter, notBefore)).toBe(2 * 3600_000);
    expect(renewalDelayMs(notBefore, notAfter, new Date('2030-01-01T01:30:00Z'))).toBe(1800_000);
    expect(renewalDelayMs(notBefore, notAfter, new Date('2030-01-01T02:30:00Z'))).toBe(0);
  });

  it('renewal is never planned after two thirds of the lifetime, and is immediate once that point has passed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 1, max: 2 ** 36 }),
        fc.integer({ min: -(2 ** 36), max: 2 ** 36 }),
        (start, lifetime, offset) => {
          const notBefore = new Date(start);
          const notAfter = new Date(start + lifetime);
          const now = new Date(start + offset);
          const delay = renewalDelayMs(notBefore, notAfter, now);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(MAX_TIMER_MS);
          const due = start + (lifetime * 2) / 3;
          expect(now.getTime() + delay).toBeLessThanOrEqual(Math.max(now.getTime(), due));
          if (now.getTime() >= due) expect(delay).toBe(0);
        },
      ),
    );
  });
});
