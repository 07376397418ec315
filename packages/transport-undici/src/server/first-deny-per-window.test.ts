import { describe, expect, it } from 'vitest';
import { firstDenyPerWindow } from './first-deny-per-window.js';

function clockAt(start: number) {
  let now = start;
  return {
    clock: { now: () => new Date(now) },
    set(next: number) {
      now = next;
    },
  };
}

describe('firstDenyPerWindow', () => {
  it('answers true once per key per window, and again once the window the limiter named has ended', () => {
    const { clock, set } = clockAt(1_000_000);
    const first = firstDenyPerWindow(clock);
    expect([first('a', 60_000), first('a', 59_000), first('b', 60_000)]).toEqual([true, false, true]);
    set(1_059_999);
    expect(first('a', 1)).toBe(false);
    set(1_060_000);
    expect([first('a', 60_000), first('a', 60_000)]).toEqual([true, false]);
  });

  it('forgets the key denied longest ago past its bound, so a forgotten key is audited again rather than never', () => {
    const { clock } = clockAt(0);
    const first = firstDenyPerWindow(clock, 2);
    expect([first('a', 60_000), first('b', 60_000), first('c', 60_000)]).toEqual([true, true, true]);
    expect([first('c', 60_000), first('a', 60_000)]).toEqual([false, true]);
  });

  it('audits when the clock answers an invalid date', () => {
    const first = firstDenyPerWindow({ now: () => new Date(Number.NaN) });
    expect([first('a', 60_000), first('a', 60_000)]).toEqual([true, true]);
  });
});
