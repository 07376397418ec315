/**
 * Test fixtures for admission: a settable clock, a deterministic random source, an event
 * recorder, and a wrapper that injects store failures into any `ProviderTokenStore`.
 * Imported by tests only.
 *
 * @module @fedtrust/core/admission
 */
import { StoreError } from '../errors/fedtrust-error.js';
import type { Clock, Random } from '../ports/runtime.js';
import type { AdmissionEventSink, ProviderTokenStore } from '../ports/store.js';

export const START = new Date('2031-04-05T06:07:08.123Z');

/** A clock that stays where it is put. */
export function manualClock(start: Date = START): Clock & { advance(ms: number): void } {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance: (ms) => {
      now += ms;
    },
  };
}

/** Distinct, reproducible bytes and UUIDs (a counter), so runs replay exactly. */
export function countingRandom(): Random {
  let counter = 0;
  return {
    bytes: (n) => {
      counter++;
      return Uint8Array.from({ length: n }, (_, i) => (counter * 131 + i * 7 + (counter >> 8)) & 0xff);
    },
    uuid: () => {
      counter++;
      return `00000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
    },
  };
}

type SinkEvent = Parameters<AdmissionEventSink>[0];

/** An event sink that keeps every event. */
export function recordingSink(): AdmissionEventSink & { events: SinkEvent[] } {
  const events: SinkEvent[] = [];
  const sink = ((event: SinkEvent) => void events.push(event)) as AdmissionEventSink & {
    events: SinkEvent[];
  };
  sink.events = events;
  return sink;
}

export type TokenOperation = keyof ProviderTokenStore;

/** Controls a {@link faultyStore}: which calls fail, and a log of every call made. */
export interface FaultPlan {
  /** Operations whose next call fails (each entry is consumed by one call). */
  failNext: TokenOperation[];
  /** When set, every call fails whatever `failNext` says. */
  down: boolean;
  calls: TokenOperation[];
}

/**
 * Wraps a store so chosen calls reject with `StoreError` before reaching it, as a lost
 * connection would. `before` runs ahead of each call (to interleave other work there).
 */
export function faultyStore<S extends ProviderTokenStore>(
  inner: S,
  options: {
    before?: (operation: TokenOperation) => Promise<void>;
    onFail?: (operation: TokenOperation) => void;
  } = {},
): { store: ProviderTokenStore; plan: FaultPlan } {
  const plan: FaultPlan = { failNext: [], down: false, calls: [] };
  const wrap =
    <K extends TokenOperation>(operation: K) =>
    async (
      ...args: Parameters<ProviderTokenStore[K]>
    ): Promise<Awaited<ReturnType<ProviderTokenStore[K]>>> => {
      plan.calls.push(operation);
      await options.before?.(operation);
      const index = plan.failNext.indexOf(operation);
      if (plan.down || index !== -1) {
        if (index !== -1) plan.failNext.splice(index, 1);
        options.onFail?.(operation);
        throw new StoreError(`${operation} failed: injected connection reset`, { details: { operation } });
      }
      const method = inner[operation] as (
        ...a: Parameters<ProviderTokenStore[K]>
      ) => ReturnType<ProviderTokenStore[K]>;
      return (await method.apply(inner, args)) as Awaited<ReturnType<ProviderTokenStore[K]>>;
    };
  const store: ProviderTokenStore = {
    validateAndMarkUsed: wrap('validateAndMarkUsed'),
    findActive: wrap('findActive'),
    revokeUnused: wrap('revokeUnused'),
    issue: wrap('issue'),
    listProviderTokens: wrap('listProviderTokens'),
    revokeProviderToken: wrap('revokeProviderToken'),
  };
  return { store, plan };
}
