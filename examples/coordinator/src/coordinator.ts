/**
 * A small provider coordinator: providers hold a WebSocket to it and receive jobs. Each new
 * socket is admitted by fedtrust (`connectProvider`: `admitProvider` plus the
 * `SessionRegistry` eviction rules) before anything is routed to it, and jobs go only to a
 * session `routingEligible` approves.
 *
 * Wire protocol (JSON text frames):
 * - a provider connects to `ws://host/providers?provider=<id>`, with `Authorization: Bearer <token>` if it has one;
 * - the coordinator answers `{ type: 'admitted', connectionId, authState, token? }` or
 *   `{ type: 'rejected', connectionId, code }` and then closes with 4403;
 * - a connection replaced by its provider's newer, stronger one is closed with 4409;
 * - jobs arrive as `{ type: 'job', id }`; the provider answers `{ type: 'done', id }`.
 *
 * @module @fedtrust/example-coordinator/coordinator
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AdmissionEventSink,
  type Clock,
  connectProvider,
  isFedtrustError,
  type PreFlipReport,
  type ProviderTokenStore,
  preFlipAudit,
  type Random,
  routingEligible,
  SessionRegistry,
  type SessionView,
} from '@fedtrust/core';
import { systemClock, systemRandom } from '@fedtrust/core/system';
import { type WebSocket, WebSocketServer } from 'ws';

/** Close codes the coordinator uses. */
export const CLOSE_REJECTED = 4403;
export const CLOSE_EVICTED = 4409;

export interface CoordinatorOptions {
  store: ProviderTokenStore;
  /** The operator's flag; leave it off until `preFlip()` says it is safe. */
  requireProviderTokens?: boolean;
  /** Port on 127.0.0.1 (default ephemeral); a restart passes the old one. */
  port?: number;
  clock?: Clock;
  random?: Random;
  onEvent?: AdmissionEventSink;
}

export interface Coordinator extends AsyncDisposable {
  /** `ws://127.0.0.1:<port>/providers` */
  url: string;
  port: number;
  /** One row per live session: provider, connection, auth state, routing eligibility. */
  operatorView(): SessionView[];
  /** Sends a job to the provider's session if, and only if, `routingEligible` allows it. Returns the connection it went to. */
  route(providerId: string, jobId: string): string | null;
  /** The audit to run before switching `requireProviderTokens` on. */
  preFlip(): Promise<PreFlipReport>;
  /** Closes every provider socket and stops listening, as a process exit would; sessions are gone. */
  close(): Promise<void>;
}

function bearerOf(request: IncomingMessage): string | null {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  // A malformed header is still a presented bearer: it must fail as invalid_token, not pass as tokenless.
  return header.startsWith('Bearer ') ? header.slice('Bearer '.length) : header;
}

/** Starts the coordinator on 127.0.0.1; resolves once it listens. */
export async function startCoordinator(options: CoordinatorOptions): Promise<Coordinator> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const registry = new SessionRegistry();
  const sockets = new Map<string, WebSocket>();
  const http = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('Connect with a WebSocket to /providers.\n');
  });
  const wss = new WebSocketServer({ server: http, path: '/providers', maxPayload: 64 * 1024 });

  wss.on('connection', (ws, request) => {
    const connectionId = randomUUID().slice(0, 8);
    const providerId = new URL(request.url ?? '/', 'ws://coordinator').searchParams.get('provider') ?? '';
    let registered = false;
    let closed = false;
    ws.on('close', () => {
      closed = true;
      sockets.delete(connectionId);
      if (registered) registry.unregister(providerId, connectionId);
    });
    ws.on('message', (data) => {
      const message = parse(data.toString());
      if (message?.type === 'done') {
        const session = registry.get(providerId);
        if (session?.connectionId === connectionId && session.inFlight > 0) {
          registry.setInFlight(providerId, connectionId, session.inFlight - 1);
        }
      }
    });
    const reject = (code: string) => {
      ws.send(JSON.stringify({ type: 'rejected', connectionId, code }));
      ws.close(CLOSE_REJECTED, code);
    };

    void (async () => {
      let outcome: Awaited<ReturnType<typeof connectProvider>>;
      try {
        outcome = await connectProvider(
          { providerId, bearer: bearerOf(request), connectionId },
          {
            store: options.store,
            registry,
            requireProviderTokens: options.requireProviderTokens ?? false,
            clock,
            random,
            ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
          },
        );
      } catch (error) {
        reject(isFedtrustError(error) ? error.code : 'admission_failed');
        return;
      }
      if (!outcome.accepted) {
        reject(
          outcome.decision?.admit === false ? outcome.decision.reject.code : (outcome.refusal ?? 'refused'),
        );
        return;
      }
      registered = true;
      if (closed) {
        // The socket went away while it was being admitted.
        registry.unregister(providerId, connectionId);
        return;
      }
      sockets.set(connectionId, ws);
      if (outcome.evicted !== undefined)
        sockets.get(outcome.evicted.connectionId)?.close(CLOSE_EVICTED, 'evicted');
      const { decision } = outcome;
      ws.send(
        JSON.stringify({
          type: 'admitted',
          connectionId,
          authState: decision.authState,
          event: decision.event,
          ...(decision.token === undefined ? {} : { token: decision.token }),
        }),
      );
    })();
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      for (const client of wss.clients) client.terminate();
      wss.close(() => http.close(() => resolve()));
      http.closeAllConnections();
    });
    return closing;
  };

  return {
    url: `ws://127.0.0.1:${port}/providers`,
    port,
    operatorView: () => registry.snapshot(),
    route(providerId, jobId) {
      const session = registry.get(providerId);
      if (session === undefined || !routingEligible(session)) return null;
      const socket = sockets.get(session.connectionId);
      if (socket === undefined) return null;
      registry.setInFlight(providerId, session.connectionId, session.inFlight + 1);
      socket.send(JSON.stringify({ type: 'job', id: jobId }));
      return session.connectionId;
    },
    preFlip: async () =>
      preFlipAudit({
        tokens: await options.store.listProviderTokens(),
        sessions: registry.snapshot(),
        now: clock.now(),
      }),
    close,
    [Symbol.asyncDispose]: close,
  };
}

function parse(text: string): { type?: unknown } | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as { type?: unknown }) : null;
  } catch {
    return null;
  }
}
