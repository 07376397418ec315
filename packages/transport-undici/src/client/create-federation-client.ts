/**
 * The federation client: one mTLS undici Agent per peer, typed verb calls, renewal, and the
 * fan-out `query`.
 *
 * @module @fedtrust/transport-undici
 */
import {
  type Clock,
  FedtrustError,
  type IssuedCertificate,
  type Logger,
  type Sealer,
  silentLogger,
} from '@fedtrust/core';
import { systemClock } from '@fedtrust/core/system';
import {
  createFanOut,
  type FanOutOptions,
  type QueryRequest,
  type QueryResult,
} from '../fan-out/create-fan-out.js';
import { clientTracer, type TelemetryOptions } from '../telemetry/instruments.js';
import type { CapabilitiesResult, GetResult, RowsResult } from '../types.js';
import { type CallSpec, callPeer, DEFAULT_MAX_RESPONSE_BYTES } from './call-peer.js';
import { FederationClientError } from './federation-client-error.js';
import {
  createPeerConnection,
  type PeerCertificateInfo,
  type PeerConnection,
  type PeerOptions,
} from './peer-connection.js';

/** Default timeout of every peer call. */
export const DEFAULT_TIMEOUT_MS = 10_000;

export interface CallOptions {
  /** Overrides the client's timeout for this call. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface RowsOptions extends CallOptions {
  /** At most this many rows (the peer caps it at the grant's `max_rows_per_query` anyway). */
  limit?: number;
}

/** Typed calls to one peer. Every call rejects only with {@link FederationClientError}. */
export interface PeerClient {
  readonly id: string;
  capabilities(options?: CallOptions): Promise<CapabilitiesResult>;
  list(resource: string, options?: RowsOptions): Promise<RowsResult>;
  get(resource: string, id: string, options?: CallOptions): Promise<GetResult>;
  search(resource: string, query: string, options?: RowsOptions): Promise<RowsResult>;
  /**
   * Renews the client certificate now — through the peer's renew route, or the configured
   * renewal CA — and swaps the Agent; requests in flight finish on the old one.
   */
  renew(): Promise<IssuedCertificate>;
  /** Serial and validity of the certificate new requests use. */
  certificate(): PeerCertificateInfo;
}

export interface FederationClientOptions extends TelemetryOptions, FanOutOptions {
  peers: PeerOptions[];
  /** Opens sealed private keys (`privateKey: { envelope, context }`). */
  sealer?: Sealer;
  /** Timeout of every call in milliseconds (default 10 000). */
  timeoutMs?: number;
  /**
   * Most bytes read from one peer answer (default 16 MiB); a longer one fails the call with
   * `peer_response_too_large` instead of being buffered.
   */
  maxResponseBytes?: number;
  clock?: Clock;
  logger?: Logger;
}

export interface FederationClient extends AsyncDisposable {
  peer(id: string): PeerClient;
  /** Ids of the configured peers, in configuration order. */
  peerIds(): string[];
  /** Local and/or peers in parallel; see {@link QueryRequest}. Never persists anything. */
  query(request: QueryRequest): Promise<QueryResult>;
  /** Clears renewal timers, shuts the circuit breakers and closes every Agent the client built. */
  close(): Promise<void>;
}

function invalid(peer: string, what: string): FederationClientError {
  return new FederationClientError(
    peer,
    502,
    'peer_invalid_response',
    `answered an invalid ${what} document`,
  );
}

function asRows(peer: string, value: unknown): RowsResult {
  const body = value as Partial<RowsResult>;
  if (!Array.isArray(body.rows) || body.rows.some((r) => typeof r !== 'object' || r === null)) {
    throw invalid(peer, 'rows');
  }
  return { rows: body.rows, truncated: body.truncated === true };
}

function asGet(peer: string, value: unknown): GetResult {
  const body = value as Partial<GetResult>;
  if (!('row' in body) || (body.row !== null && typeof body.row !== 'object')) throw invalid(peer, 'get');
  return { row: body.row ?? null };
}

function asCapabilities(peer: string, value: unknown): CapabilitiesResult {
  const body = value as Partial<CapabilitiesResult>;
  if (
    typeof body.grantId !== 'string' ||
    !Array.isArray(body.resources) ||
    !Array.isArray(body.verbs) ||
    typeof body.maxRowsPerQuery !== 'number'
  ) {
    throw invalid(peer, 'capabilities');
  }
  return body as CapabilitiesResult;
}

/**
 * Creates the client. Nothing connects until the first call; private keys are opened then
 * and kept in memory only. Every timer the client starts is unref'd and cleared by `close()`.
 */
export function createFederationClient(options: FederationClientOptions): FederationClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const tracer = clientTracer(options);
  const shared = {
    clock: options.clock ?? systemClock,
    logger: options.logger ?? silentLogger,
    tracer,
    timeoutMs,
    maxResponseBytes,
    ...(options.sealer === undefined ? {} : { sealer: options.sealer }),
  };
  const connections = new Map<string, PeerConnection>();
  for (const peer of options.peers) {
    if (connections.has(peer.id)) {
      throw new FedtrustError('peer_duplicate', `peer "${peer.id}" is configured twice`, {
        status: 400,
        remediation: 'Give every peer a distinct id.',
      });
    }
    connections.set(peer.id, createPeerConnection(peer, shared));
  }

  const peerClients = new Map<string, PeerClient>();
  function peer(id: string): PeerClient {
    const known = peerClients.get(id);
    if (known !== undefined) return known;
    const connection = connections.get(id);
    if (connection === undefined) {
      throw new FedtrustError('peer_unknown', `no peer "${id}" is configured`, {
        status: 400,
        remediation: `Configure the peer in createFederationClient({ peers }); known: ${[...connections.keys()].join(', ')}.`,
      });
    }
    const call = (spec: Omit<CallSpec, 'timeoutMs' | 'maxResponseBytes'>, callOptions: CallOptions = {}) =>
      callPeer(tracer, connection, {
        ...spec,
        maxResponseBytes,
        timeoutMs: callOptions.timeoutMs ?? timeoutMs,
        ...(callOptions.signal === undefined ? {} : { signal: callOptions.signal }),
      });
    const rowsBody = (o: RowsOptions) => (o.limit === undefined ? {} : { limit: o.limit });
    const client: PeerClient = {
      id,
      capabilities: async (o) =>
        asCapabilities(
          id,
          await call({ verb: 'capabilities', method: 'GET', segments: ['capabilities'] }, o),
        ),
      list: async (resource, o = {}) =>
        asRows(
          id,
          await call(
            { verb: 'list', method: 'POST', segments: ['list', resource], resource, body: rowsBody(o) },
            o,
          ),
        ),
      get: async (resource, rowId, o) =>
        asGet(
          id,
          await call(
            { verb: 'get', method: 'POST', segments: ['get', resource, rowId], resource, body: {} },
            o,
          ),
        ),
      search: async (resource, query, o = {}) =>
        asRows(
          id,
          await call(
            {
              verb: 'search',
              method: 'POST',
              segments: ['search', resource],
              resource,
              body: { query, ...rowsBody(o) },
            },
            o,
          ),
        ),
      renew: () => connection.renew(),
      certificate: () => connection.certificate(),
    };
    peerClients.set(id, client);
    return client;
  }

  const fanOut = createFanOut({
    ...options,
    timeoutMs,
    tracer,
    peer,
    peerIds: () => [...connections.keys()],
  });

  const close = async () => {
    fanOut.close();
    await Promise.all([...connections.values()].map((c) => c.close()));
  };

  return {
    peer,
    peerIds: () => [...connections.keys()],
    query: fanOut.query,
    close,
    [Symbol.asyncDispose]: close,
  };
}
