/**
 * Live provider sessions as the registry holds them.
 *
 * @module @fedtrust/core/registry
 */
import type { AuthState } from '../admission/types.js';

/** One live provider connection, as admitted. Only the server sets `authState`. */
export interface ProviderSession {
  providerId: string;
  /** Identifies this one connection (a socket id); a reconnect has a new one. */
  connectionId: string;
  authState: AuthState;
  /** Concurrent jobs the provider accepts on this connection. */
  capacity: number;
  /** Jobs currently routed to it; a slot is free while `inFlight < capacity`. */
  inFlight: number;
  /** Prefix of the token the session proved or was given, for operators (8 characters at most). */
  tokenPrefix?: string;
}

/** What a caller hands to `register`; `capacity` defaults to 1 and `inFlight` to 0. */
export type SessionRegistration = Omit<ProviderSession, 'capacity' | 'inFlight'> &
  Partial<Pick<ProviderSession, 'capacity' | 'inFlight'>>;

/** Why `register` left the existing session in place. */
export type RegisterRefusal =
  /** The auth state is not one admission produces for an admitted connection (`mint_failed`, empty, unknown). */
  | 'not_admitted'
  /** A `bearerless_duplicate` never replaces an existing session. */
  | 'duplicate_never_evicts'
  /** Only a `bearer_validated` newcomer replaces a routable (`bearer_validated` or `self_minted`) session. */
  | 'live_session_protected';

/** Result of `register`. `evicted` is the other connection the caller must now close. */
export type RegisterResult =
  | { registered: true; evicted?: ProviderSession }
  | { registered: false; reason: RegisterRefusal; holder?: ProviderSession };

/** One row of the operator view. */
export interface SessionView extends ProviderSession {
  /** `routingEligible` of this session at the time of the snapshot. */
  eligible: boolean;
}
