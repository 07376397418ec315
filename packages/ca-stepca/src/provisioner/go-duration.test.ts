import { describe, expect, it } from 'vitest';
import { parseGoDuration } from './go-duration.js';

describe('parseGoDuration', () => {
  it.each([
    ['24h', 86_400],
    ['5m0s', 300],
    ['5m', 300],
    ['1h30m', 5_400],
    ['1.5h', 5_400],
    ['500ms', 0.5],
    ['0', 0],
    ['-1m', -60],
  ])('reads %s as %d seconds', (text, seconds) => {
    expect(parseGoDuration(text)).toBeCloseTo(seconds);
  });

  it.each([undefined, 42, '', '5', 'h', '5 minutes', '5d'])('returns null for %j', (value) => {
    expect(parseGoDuration(value)).toBeNull();
  });
});
