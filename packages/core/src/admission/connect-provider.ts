/**
 * Admission and registration wired together the way a coordinator should: the composition
 * the incident replay and the model-based test exercise.
 *
 * @module @fedtrust/core/admission
 */
import { routableAuthState } from '../registry/routing-eligible.js';
import { assertSessionShape, type SessionRegistry } from '../registry/session-registry.js';
import type { ProviderSession, RegisterRefusal } from '../registry/types.js';
import { type AdmissionDeps, admitProvider } from './admit-provider.js';
import type { AdmissionDecision, AdmissionRequest } from './types.js';

/** A connection to admit: the admission request plus this socket's id and its slot count. */
export interface ConnectRequest extends AdmissionRequest {
  connectionId: string;
  /** Concurrent jobs the provider offers on this connection (default 1). */
  capacity?: number;
}

export interface ConnectDeps extends AdmissionDeps {
  registry: SessionRegistry;
}

/**
 * Result of {@link connectProvider}. When `accepted` is false the caller closes the
 * connection; `evicted` is another connection the caller must close.
 */
export type ConnectOutcome =
  | {
      accepted: true;
      decision: Extract<AdmissionDecision, { admit: true }>;
      session: ProviderSession;
      evicted?: ProviderSession;
    }
  | { accepted: false; decision?: AdmissionDecision; refusal?: RegisterRefusal };

/** Per registry and provider id, the tail of the connects in progress (see connectProvider). */
const inProgress = new WeakMap<SessionRegistry, Map<string, Promise<void>>>();

/**
 * Admits a provider connection and registers it, keeping a live session safe from a
 * tokenless newcomer:
 * - a tokenless connection for a provider id whose slot a routable session holds is refused
 *   before admission runs (whatever connection id it names), so it cannot self-heal (revoke)
 *   the live session's token;
 * - connects for one provider id through one registry run one after another (check, admit,
 *   register), so a tokenless connect can never self-heal a token that a concurrent connect
 *   was just given and is about to register with; among racing first connects, the first
 *   registers and the rest are refused as above;
 * - if the registry refuses an admitted connection anyway (a registration outside this
 *   function won), a token minted for it is revoked (it was never used) and withheld, so the
 *   refused connection can never come back with a bearer that would evict the holder.
 * A refused tokenless client whose own old socket is still registered (a blip the host has
 * not noticed yet) is admitted by self-heal once the host unregisters the dead socket, so
 * hosts should detect dead sockets (heartbeats) and such clients should retry.
 * Fails closed like `admitProvider`: a store error never registers anything. Throws
 * `session_invalid` for a malformed connection id or capacity before touching the store.
 * Serialisation is per process: replicas with separate registries do not see each other.
 */
export async function connectProvider(request: ConnectRequest, deps: ConnectDeps): Promise<ConnectOutcome> {
  assertSessionShape({
    providerId: request.providerId,
    connectionId: request.connectionId,
    ...(request.capacity === undefined ? {} : { capacity: request.capacity }),
  });
  let queues = inProgress.get(deps.registry);
  if (queues === undefined) {
    queues = new Map();
    inProgress.set(deps.registry, queues);
  }
  const { providerId } = request;
  const previous = queues.get(providerId) ?? Promise.resolve();
  const current = previous.then(() => connectNow(request, deps));
  const tail = current.then(
    () => undefined,
    () => undefined,
  );
  queues.set(providerId, tail);
  try {
    return await current;
  } finally {
    if (queues.get(providerId) === tail) queues.delete(providerId);
  }
}

async function connectNow(request: ConnectRequest, deps: ConnectDeps): Promise<ConnectOutcome> {
  const { registry } = deps;
  const tokenless = request.bearer === undefined || request.bearer === null;
  const holder = registry.get(request.providerId);
  // Also when the newcomer names the holder's own connection id: the registry would refuse
  // it after admission, but by then a self-heal would have revoked the holder's token.
  if (tokenless && holder !== undefined && routableAuthState(holder.authState)) {
    return { accepted: false, refusal: 'live_session_protected' };
  }

  const decision = await admitProvider(request, deps);
  if (!decision.admit) return { accepted: false, decision };

  const result = registry.register({
    providerId: request.providerId,
    connectionId: request.connectionId,
    authState: decision.authState,
    ...(request.capacity === undefined ? {} : { capacity: request.capacity }),
    ...(decision.tokenPrefix === undefined ? {} : { tokenPrefix: decision.tokenPrefix }),
  });
  if (result.registered) {
    const session = registry.get(request.providerId) as ProviderSession;
    return result.evicted === undefined
      ? { accepted: true, decision, session }
      : { accepted: true, decision, session, evicted: result.evicted };
  }

  const { token: _withheld, ...withoutToken } = decision;
  if (decision.token !== undefined && decision.tokenId !== undefined) {
    try {
      await deps.store.revokeUnused(decision.tokenId, deps.clock.now());
    } catch {
      // Nobody holds the withheld token, so an unrevoked copy can only be self-healed later.
    }
  }
  return { accepted: false, decision: withoutToken, refusal: result.reason };
}
