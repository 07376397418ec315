/**
 * Fan-out: one query over this gateway and any number of peers in parallel, merged rows
 * tagged `_source`, partial answers when a peer fails, a circuit breaker per peer
 * (opossum) and an optional bounded in-memory cache (lru-cache). Nothing fetched is ever
 * written to storage.
 *
 * @module @fedtrust/transport-undici
 */
import { FedtrustError } from '@fedtrust/core';
import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { LRUCache } from 'lru-cache';
import CircuitBreaker from 'opossum';
import type { PeerClient } from '../client/create-federation-client.js';
import { FederationClientError, isFederationClientError } from '../client/federation-client-error.js';
import { ATTR } from '../telemetry/instruments.js';
import type { Row, SourcedRow } from '../types.js';

/** This gateway's own data, answered by the host as its own user. */
export interface LocalSource {
  /** Name local rows are tagged with in `_source`. */
  name: string;
  query(request: LocalQuery): Promise<Row[]> | Row[];
}

export interface LocalQuery {
  verb: QueryVerb;
  resource: string;
  id?: string;
  query?: string;
  limit?: number;
  signal: AbortSignal;
}

export type QueryVerb = 'list' | 'get' | 'search';

export interface BreakerOptions {
  /** Percentage of failed calls in the rolling window that opens the circuit (default 50). */
  errorThresholdPercentage?: number;
  /** How long an open circuit stays open before one trial call (default 30 000 ms). */
  resetTimeoutMs?: number;
  /** Calls in the window before the circuit may open at all (default 5). */
  volumeThreshold?: number;
  /** Length of the rolling window (default 10 000 ms). */
  rollingCountTimeoutMs?: number;
}

export interface CacheOptions {
  /** Most entries kept: a positive integer. */
  max: number;
  /** Time an entry lives: positive milliseconds. */
  ttlMs: number;
}

/**
 * Refuses a cache that would not be bounded and time-limited: lru-cache reads `max: 0` as
 * "no bound" when a TTL is set and `ttl: 0` as "live forever".
 */
function checkCache(cache: CacheOptions): void {
  const boundedMax = Number.isSafeInteger(cache.max) && cache.max > 0;
  const boundedTtl = Number.isFinite(cache.ttlMs) && cache.ttlMs > 0;
  if (!boundedMax || !boundedTtl) {
    throw new FedtrustError('cache_invalid', 'the fan-out cache must be bounded and time-limited', {
      status: 400,
      remediation:
        'Pass `cache: { max, ttlMs }` with a positive integer `max` and positive `ttlMs`, or omit it.',
    });
  }
}

export interface FanOutOptions {
  local?: LocalSource;
  /** Per-peer circuit breaker settings; `false` disables breaking. */
  breaker?: BreakerOptions | false;
  /** In-memory cache of successful peer answers; off unless given. Never persisted. */
  cache?: CacheOptions;
}

/** `source`: `'local'`, one peer as `'federated:<peer id>'`, or `'all'` (local, when configured, and every peer). */
export interface QueryRequest {
  source: 'local' | 'all' | `federated:${string}`;
  verb: QueryVerb;
  resource: string;
  /** Row id, for `get`. */
  id?: string;
  /** Search text, for `search`. */
  query?: string;
  limit?: number;
  /** Deadline for every source of this query (default the client's timeout). */
  timeoutMs?: number;
}

/** Why one source contributed nothing. */
export interface SourceFailure {
  source: string;
  status: number;
  reason: string;
  message: string;
}

/** Merged rows, local first then peers in configuration order. `_partial` is true when any source failed. */
export interface QueryResult {
  rows: SourcedRow[];
  _partial: boolean;
  errors: SourceFailure[];
}

/** What `createFanOut` needs: the fan-out options plus the client that reaches each peer. */
export interface FanOutDeps extends FanOutOptions {
  timeoutMs: number;
  tracer: Tracer;
  peer(id: string): PeerClient;
  peerIds(): string[];
}

type PeerCall = (request: QueryRequest, timeoutMs: number) => Promise<SourcedRow[]>;

async function callOne(client: PeerClient, request: QueryRequest, timeoutMs: number): Promise<SourcedRow[]> {
  const o = { timeoutMs, ...(request.limit === undefined ? {} : { limit: request.limit }) };
  switch (request.verb) {
    case 'list':
      return (await client.list(request.resource, o)).rows;
    case 'search':
      return (await client.search(request.resource, request.query ?? '', o)).rows;
    case 'get': {
      const { row } = await client.get(request.resource, request.id ?? '', o);
      return row === null ? [] : [row];
    }
  }
}

function failureOf(source: string, error: unknown): SourceFailure {
  if (isFederationClientError(error)) {
    return { source, status: error.status, reason: error.reason, message: error.message };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { source, status: 500, reason: 'source_failed', message };
}

function deadline(
  timeoutMs: number,
  source: string,
): { promise: Promise<never>; cancel(): void; signal: AbortSignal } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new FederationClientError(source, 504, 'peer_timeout', `no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref();
  });
  promise.catch(() => undefined);
  return { promise, signal: controller.signal, cancel: () => clearTimeout(timer) };
}

/**
 * Builds `query`. A peer that fails, times out or has an open circuit contributes an entry
 * to `errors` and none to `rows`; the others still answer. The answer never waits past the
 * deadline: each peer call carries it as its own timeout.
 */
export function createFanOut(deps: FanOutDeps): {
  query(request: QueryRequest): Promise<QueryResult>;
  close(): void;
} {
  if (deps.cache !== undefined) checkCache(deps.cache);
  const breakers = new Map<string, CircuitBreaker<[QueryRequest, number], SourcedRow[]>>();
  const cache =
    deps.cache === undefined
      ? null
      : new LRUCache<string, SourcedRow[]>({
          max: deps.cache.max,
          ttl: deps.cache.ttlMs,
          ttlAutopurge: false,
        });

  function breakerFor(id: string): PeerCall {
    const client = deps.peer(id);
    if (deps.breaker === false) return (request, timeoutMs) => callOne(client, request, timeoutMs);
    let breaker = breakers.get(id);
    if (breaker === undefined) {
      const b = deps.breaker ?? {};
      breaker = new CircuitBreaker(
        (request: QueryRequest, timeoutMs: number) => callOne(client, request, timeoutMs),
        {
          // Calls carry their own timeout; opossum's would only race it.
          timeout: false,
          errorThresholdPercentage: b.errorThresholdPercentage ?? 50,
          resetTimeout: b.resetTimeoutMs ?? 30_000,
          volumeThreshold: b.volumeThreshold ?? 5,
          rollingCountTimeout: b.rollingCountTimeoutMs ?? 10_000,
          // A deny or a rate limit is a healthy peer's definite answer, not a failure of the peer.
          errorFilter: (error: unknown) => isFederationClientError(error) && error.status < 500,
        },
      );
      breakers.set(id, breaker);
    }
    const open = breaker;
    return async (request, timeoutMs) => {
      try {
        return await open.fire(request, timeoutMs);
      } catch (error) {
        if ((error as { code?: unknown }).code === 'EOPENBREAKER') {
          throw new FederationClientError(
            id,
            503,
            'circuit_open',
            'circuit open after repeated failures; not called',
            {
              cause: error,
            },
          );
        }
        throw error;
      }
    };
  }

  /**
   * A peer's rows as the caller may trust them: at most `limit` of them, each tagged with the
   * id the caller configured for that peer. What the peer wrote in `_source` is its own claim
   * and could name the local gateway or another peer, so it is replaced.
   */
  async function fromPeer(id: string, request: QueryRequest, timeoutMs: number): Promise<SourcedRow[]> {
    const key =
      cache === null
        ? ''
        : JSON.stringify([id, request.verb, request.resource, request.id, request.query, request.limit]);
    const cached = cache?.get(key);
    // Copies, so a caller editing its result cannot change what the next caller gets.
    if (cached !== undefined) return cached.map((row) => ({ ...row }));
    const answered = await breakerFor(id)(request, timeoutMs);
    const capped = request.limit === undefined ? answered : answered.slice(0, request.limit);
    const rows = capped.map((row) => ({ ...row, _source: id }));
    cache?.set(key, rows);
    return cache === null ? rows : rows.map((row) => ({ ...row }));
  }

  async function fromLocal(
    local: LocalSource,
    request: QueryRequest,
    timeoutMs: number,
  ): Promise<SourcedRow[]> {
    const limit = deadline(timeoutMs, local.name);
    try {
      const rows = await Promise.race([
        Promise.resolve(
          local.query({
            verb: request.verb,
            resource: request.resource,
            signal: limit.signal,
            ...(request.id === undefined ? {} : { id: request.id }),
            ...(request.query === undefined ? {} : { query: request.query }),
            ...(request.limit === undefined ? {} : { limit: request.limit }),
          }),
        ),
        limit.promise,
      ]);
      const capped = request.limit === undefined ? rows : rows.slice(0, request.limit);
      return capped.map((row) => ({ ...row, _source: local.name }));
    } finally {
      limit.cancel();
    }
  }

  function plan(
    request: QueryRequest,
  ): Array<{ source: string; run(timeoutMs: number): Promise<SourcedRow[]> }> {
    const local = deps.local;
    const localTask = () => {
      if (local === undefined) {
        throw new FedtrustError(
          'local_not_configured',
          'query asked for local rows but no local source is configured',
          {
            status: 400,
            remediation: 'Pass `local: { name, query }` to createFederationClient.',
          },
        );
      }
      return { source: local.name, run: (t: number) => fromLocal(local, request, t) };
    };
    const peerTask = (id: string) => {
      deps.peer(id);
      return { source: id, run: (t: number) => fromPeer(id, request, t) };
    };
    if (request.source === 'local') return [localTask()];
    if (request.source === 'all') {
      return [...(local === undefined ? [] : [localTask()]), ...deps.peerIds().map(peerTask)];
    }
    if (request.source.startsWith('federated:')) return [peerTask(request.source.slice('federated:'.length))];
    throw new FedtrustError('query_source_invalid', `unknown query source "${String(request.source)}"`, {
      status: 400,
      remediation: "Use 'local', 'all' or 'federated:<peer id>'.",
    });
  }

  async function query(request: QueryRequest): Promise<QueryResult> {
    const tasks = plan(request);
    const timeoutMs = request.timeoutMs ?? deps.timeoutMs;
    return deps.tracer.startActiveSpan(
      'fedtrust.query',
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          [ATTR.source]: request.source,
          [ATTR.verb]: request.verb,
          [ATTR.resource]: request.resource,
        },
      },
      async (span) => {
        try {
          const settled = await Promise.allSettled(tasks.map((t) => t.run(timeoutMs)));
          const result: QueryResult = { rows: [], _partial: false, errors: [] };
          settled.forEach((outcome, i) => {
            const source = (tasks[i] as { source: string }).source;
            if (outcome.status === 'fulfilled') result.rows.push(...outcome.value);
            else result.errors.push(failureOf(source, outcome.reason));
          });
          result._partial = result.errors.length > 0;
          span.setAttributes({ [ATTR.partial]: result._partial, [ATTR.rowsOut]: result.rows.length });
          if (result._partial) span.setStatus({ code: SpanStatusCode.ERROR, message: 'partial' });
          return result;
        } finally {
          span.end();
        }
      },
    );
  }

  return {
    query,
    close() {
      for (const breaker of breakers.values()) breaker.shutdown();
      breakers.clear();
      cache?.clear();
    },
  };
}
