/**
 * One HTTP call to a peer, with a timeout, mapped onto typed results and
 * {@link FederationClientError}.
 *
 * @module @fedtrust/transport-undici
 */
import { isFedtrustError } from '@fedtrust/core';
import { type Span, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { type Dispatcher, request } from 'undici';
import { ATTR } from '../telemetry/instruments.js';
import { API_PREFIX } from '../types.js';
import { FederationClientError, isFederationClientError } from './federation-client-error.js';
import type { PeerConnection } from './peer-connection.js';

export interface CallSpec {
  verb: 'capabilities' | 'list' | 'get' | 'search' | 'renew';
  method: 'GET' | 'POST';
  /** Path segments after `/fedtrust/v1/`, each URI-encoded here. */
  segments: string[];
  body?: Record<string, unknown>;
  resource?: string;
  timeoutMs: number;
  /** Aborts the call early (the fan-out passes its own deadline). */
  signal?: AbortSignal;
  /** Most body bytes read from the peer; a longer answer is `peer_response_too_large`. */
  maxResponseBytes: number;
}

/** Default cap on a peer's answer: 10 000 rows of about 1.6 KiB each. */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

function tooLarge(peer: string, maxBytes: number): FederationClientError {
  return new FederationClientError(
    peer,
    502,
    'peer_response_too_large',
    `answered more than ${maxBytes} bytes; the rest was not read`,
  );
}

/**
 * Reads the body up to `maxBytes`. A peer decides how much it sends, so it is never buffered
 * whole on trust: past the cap the stream is destroyed (the connection with it).
 */
async function readBody(
  peer: string,
  body: Dispatcher.ResponseData['body'],
  declared: string | string[] | undefined,
  maxBytes: number,
): Promise<string> {
  const length = Number(Array.isArray(declared) ? declared[0] : declared);
  if (Number.isFinite(length) && length > maxBytes) {
    body.destroy();
    throw tooLarge(peer, maxBytes);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    total += buffer.byteLength;
    if (total > maxBytes) {
      body.destroy();
      throw tooLarge(peer, maxBytes);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function retryAfter(header: string | string[] | undefined): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return null;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

/** Settles like `work`, or rejects once `signal` aborts, whichever comes first. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function send(connection: PeerConnection, spec: CallSpec, span: Span): Promise<unknown> {
  const peer = connection.id;
  const path = `${API_PREFIX}/${spec.segments.map(encodeURIComponent).join('/')}`;
  const timeout = AbortSignal.timeout(spec.timeoutMs);
  const signal = spec.signal === undefined ? timeout : AbortSignal.any([timeout, spec.signal]);
  try {
    // Opening the key (a sealer may call a KMS) counts against the call's deadline too.
    await untilAborted(connection.dispatcher(), signal);
    // Read again with no await before the dispatch (request() dispatches synchronously): a
    // renewal finishing meanwhile swaps the Agent and closes the old one, which would refuse it.
    const dispatcher = connection.current();
    if (dispatcher === null) {
      throw new FederationClientError(peer, 500, 'client_closed', 'the federation client is closed');
    }
    const response = await request(`${connection.origin}${path}`, {
      dispatcher,
      method: spec.method,
      signal,
      headers: {
        accept: 'application/json',
        ...(spec.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(spec.body === undefined ? {} : { body: JSON.stringify(spec.body) }),
    });
    span.setAttribute(ATTR.status, response.statusCode);
    const text = await readBody(
      peer,
      response.body,
      response.headers['content-length'],
      spec.maxResponseBytes,
    );
    let parsed: unknown = null;
    try {
      parsed = text.length === 0 ? null : JSON.parse(text);
    } catch {
      parsed = null;
    }
    if (response.statusCode < 200 || response.statusCode >= 300) {
      const body = (parsed ?? {}) as { error?: unknown; reason?: unknown };
      const reason = typeof body.error === 'string' ? body.error : `http_${response.statusCode}`;
      const message = typeof body.reason === 'string' ? body.reason : `answered ${response.statusCode}`;
      throw new FederationClientError(peer, response.statusCode, reason, `${reason}: ${message}`, {
        retryAfterSeconds: retryAfter(response.headers['retry-after']),
      });
    }
    if (parsed === null || typeof parsed !== 'object') {
      throw new FederationClientError(
        peer,
        502,
        'peer_invalid_response',
        'answered a body that is not a JSON object',
      );
    }
    return parsed;
  } catch (error) {
    if (isFederationClientError(error)) throw error;
    if (timeout.aborted) {
      throw new FederationClientError(peer, 504, 'peer_timeout', `no answer within ${spec.timeoutMs} ms`, {
        cause: error,
      });
    }
    if (spec.signal?.aborted) {
      throw new FederationClientError(peer, 504, 'peer_timeout', 'the caller gave up waiting', {
        cause: error,
      });
    }
    if (isFedtrustError(error)) {
      throw new FederationClientError(peer, error.status, error.code, error.message, { cause: error });
    }
    const detail = error instanceof Error ? error.message : String(error);
    throw new FederationClientError(peer, 502, 'peer_unreachable', `unreachable: ${detail}`, {
      cause: error,
    });
  }
}

/** Calls a peer inside a client span; rejects only with {@link FederationClientError}. */
export function callPeer(tracer: Tracer, connection: PeerConnection, spec: CallSpec): Promise<unknown> {
  return tracer.startActiveSpan(
    `fedtrust.call ${spec.verb}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR.peer]: connection.id,
        [ATTR.verb]: spec.verb,
        ...(spec.resource === undefined ? {} : { [ATTR.resource]: spec.resource }),
      },
    },
    async (span) => {
      try {
        return await send(connection, spec, span);
      } catch (error) {
        const failure = error as FederationClientError;
        span.setAttribute(ATTR.reason, failure.reason);
        span.setStatus({ code: SpanStatusCode.ERROR, message: failure.reason });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
