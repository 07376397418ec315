/**
 * Admission and registration wired together the way a coordinator should: the composition
 * the incident replay and the model-based test exercise.
 *
 * @module @fedtrust/core/admission
 */
import type { SessionRegistry } from '../registry/session-registry.js';
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

/**
 * Admits a provider connection and registers it, keeping a live session safe from a
 * tokenless newcomer:
 * - a tokenless connection for a provider id whose slot a routable session holds is refused
 *   before admission runs, so it cannot self-heal (revoke) the live session's token;
 * - if the registry refuses an admitted connection anyway (a concurrent registration won),
 *   a token minted for it is revoked (it was never used) and withheld, so the refused
 *   connection can never come back with a bearer that would evict the holder.
 * Fails closed like `admitProvider`: a store error never registers anything.
 */
export async function connectProvider(request: ConnectRequest, deps: ConnectDeps): Promise<ConnectOutcome> {
  const { registry } = deps;
  const tokenless = request.bearer === undefined || request.bearer === null;
  const holder = registry.get(request.providerId);
  if (tokenless && holder !== undefined && holder.connectionId !== request.connectionId) {
    if (holder.authState === 'bearer_validated' || holder.authState === 'self_minted') {
      return { accepted: false, refusal: 'live_session_protected' };
    }
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
