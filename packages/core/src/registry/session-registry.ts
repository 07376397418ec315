/**
 * The live-session registry: one session per provider id and the eviction rules of
 * DESIGN.md.
 *
 * @module @fedtrust/core/registry
 */
import { FedtrustError } from '../errors/fedtrust-error.js';
import { routableAuthState, routingEligible } from './routing-eligible.js';
import type {
  ProviderSession,
  RegisterRefusal,
  RegisterResult,
  SessionRegistration,
  SessionView,
} from './types.js';

const ADMITTED_STATES: ReadonlySet<unknown> = new Set([
  'bearer_validated',
  'self_minted',
  'bearerless_duplicate',
]);

/**
 * Live provider sessions keyed by provider id. Pure and synchronous: no timers, no I/O, so
 * each call is atomic with respect to the others in one process.
 *
 * Eviction rules (the newcomer is checked against the session already holding its provider id):
 * - a `bearer_validated` newcomer always wins (proof of bearer is independently strong);
 * - a `bearerless_duplicate` never replaces an existing session;
 * - anything else never replaces a routable session (`bearer_validated` or `self_minted`),
 *   so a tokenless newcomer can only take an empty slot or one held by a quarantined duplicate;
 * - an auth state that admission never admits (`mint_failed`, empty, unknown) is never registered.
 */
export class SessionRegistry {
  readonly #sessions = new Map<string, ProviderSession>();

  /**
   * Registers a newly admitted connection, or refuses it and leaves the holder in place.
   * When it replaces another connection, that one is returned as `evicted` for the caller
   * to close. Throws a `FedtrustError` (`session_invalid`) for a registration without
   * provider or connection id or with impossible slot counts; nothing is changed then.
   */
  register(entry: SessionRegistration): RegisterResult {
    const session = toSession(entry);
    const holder = this.#sessions.get(session.providerId);
    const refusal = refusalOf(session, holder);
    if (refusal !== null) {
      return holder === undefined
        ? { registered: false, reason: refusal }
        : { registered: false, reason: refusal, holder: { ...holder } };
    }
    this.#sessions.set(session.providerId, session);
    if (holder === undefined || holder.connectionId === session.connectionId) return { registered: true };
    return { registered: true, evicted: { ...holder } };
  }

  /**
   * Removes the provider's session only if it is still `connectionId`; a late disconnect of
   * an evicted connection never removes its successor. Returns whether it removed.
   */
  unregister(providerId: string, connectionId: string): boolean {
    const holder = this.#sessions.get(providerId);
    if (holder === undefined || holder.connectionId !== connectionId) return false;
    this.#sessions.delete(providerId);
    return true;
  }

  /**
   * Records how many jobs are in flight on the provider's session, only if it is still
   * `connectionId`. Returns whether it updated. Throws `session_invalid` for a negative or
   * fractional count.
   */
  setInFlight(providerId: string, connectionId: string, inFlight: number): boolean {
    if (!Number.isSafeInteger(inFlight) || inFlight < 0) {
      throw invalid('inFlight must be a whole number of at least 0.');
    }
    const holder = this.#sessions.get(providerId);
    if (holder === undefined || holder.connectionId !== connectionId) return false;
    this.#sessions.set(providerId, { ...holder, inFlight });
    return true;
  }

  /** A copy of the session holding `providerId`, or `undefined`. */
  get(providerId: string): ProviderSession | undefined {
    const holder = this.#sessions.get(providerId);
    return holder === undefined ? undefined : { ...holder };
  }

  /** Sessions a router may send work to right now: those `routingEligible` accepts, by provider id. */
  eligible(): ProviderSession[] {
    return this.snapshot()
      .filter((view) => view.eligible)
      .map(({ eligible: _eligible, ...session }) => session);
  }

  /** Operator view: every session with its auth state and eligibility, sorted by provider id. */
  snapshot(): SessionView[] {
    return [...this.#sessions.values()]
      .map((session) => ({ ...session, eligible: routingEligible(session) }))
      .sort((a, b) => (a.providerId < b.providerId ? -1 : a.providerId > b.providerId ? 1 : 0));
  }

  /** Number of registered sessions. */
  get size(): number {
    return this.#sessions.size;
  }
}

function refusalOf(newcomer: ProviderSession, holder: ProviderSession | undefined): RegisterRefusal | null {
  if (!ADMITTED_STATES.has(newcomer.authState)) return 'not_admitted';
  if (holder === undefined) return null;
  if (newcomer.authState === 'bearer_validated') return null;
  if (newcomer.authState === 'bearerless_duplicate') return 'duplicate_never_evicts';
  return routableAuthState(holder.authState) ? 'live_session_protected' : null;
}

/**
 * Throws what `register` throws for a malformed registration (`session_invalid`: missing
 * provider or connection id, impossible slot counts), so a caller can refuse one before
 * anything with side effects runs. The auth state is not checked here.
 */
export function assertSessionShape(entry: Omit<SessionRegistration, 'authState'>): void {
  if (typeof entry !== 'object' || entry === null) throw invalid('Pass a session object.');
  const { providerId, connectionId } = entry;
  if (typeof providerId !== 'string' || providerId.length === 0)
    throw invalid('providerId must be a non-empty string.');
  if (typeof connectionId !== 'string' || connectionId.length === 0) {
    throw invalid('connectionId must be a non-empty string.');
  }
  const capacity = entry.capacity ?? 1;
  const inFlight = entry.inFlight ?? 0;
  if (!Number.isSafeInteger(capacity) || capacity < 0)
    throw invalid('capacity must be a whole number of at least 0.');
  if (!Number.isSafeInteger(inFlight) || inFlight < 0)
    throw invalid('inFlight must be a whole number of at least 0.');
}

function toSession(entry: SessionRegistration): ProviderSession {
  if (typeof entry !== 'object' || entry === null) throw invalid('Pass a session object.');
  const session: ProviderSession = {
    providerId: entry.providerId,
    connectionId: entry.connectionId,
    authState: entry.authState,
    capacity: entry.capacity ?? 1,
    inFlight: entry.inFlight ?? 0,
  };
  assertSessionShape(session);
  // Never keep more than a prefix, whatever the caller passed.
  if (typeof entry.tokenPrefix === 'string') session.tokenPrefix = entry.tokenPrefix.slice(0, 8);
  return session;
}

function invalid(message: string): FedtrustError {
  return new FedtrustError('session_invalid', `The session cannot be registered: ${message}`, {
    status: 400,
    remediation: 'Register sessions exactly as admitProvider admitted them, with a connection id per socket.',
  });
}
