/**
 * Provider-token records and admission decisions.
 *
 * @module @fedtrust/core/admission
 */

/** A stored provider bearer token. Only `tokenHash` (SHA-256 hex) is stored, never the token. */
export interface ProviderToken {
  id: string;
  providerId: string;
  tokenHash: string;
  /** First 8 characters of the plaintext token, safe to log and show. */
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** How a live provider session proved itself. Only the server sets it. */
export type AuthState = 'bearer_validated' | 'self_minted' | 'bearerless_duplicate' | 'mint_failed';

/** Events emitted by admission (one per decision), named as in DESIGN.md. */
export type AdmissionEventKind =
  | 'bearer_ok'
  | 'bearer_rejected'
  | 'token_required'
  | 'minted'
  | 'self_heal'
  | 'tofu_reject'
  | 'race_loss_admit_quarantined'
  | 'mint_failed'
  | 'store_error';

/** Rejection codes a provider sees. */
export type AdmissionRejectCode =
  | 'invalid_token'
  | 'token_required'
  | 'tofu_reject'
  | 'mint_failed'
  | 'store_error';

/** A provider connecting: its claimed id and, if it has one, its bearer token. */
export interface AdmissionRequest {
  providerId: string;
  /** The bearer the provider presented; absent (or `null`) means tokenless. An empty string is a presented, invalid bearer. */
  bearer?: string | null;
}

/** Auth states of an admitted connection. */
export type AdmittedAuthState = Exclude<AuthState, 'mint_failed'>;

/**
 * The outcome of one admission. `token` is present only when a token was minted for this
 * connection (`minted`, `self_heal`): it is shown to the provider once and never again.
 */
export type AdmissionDecision =
  | {
      admit: true;
      authState: AdmittedAuthState;
      event: AdmissionEventKind;
      token?: string;
      /** Id of the token proved or minted (not secret), e.g. to revoke a refused session's fresh token. */
      tokenId?: string;
      tokenPrefix?: string;
    }
  | {
      admit: false;
      /** Set only for `mint_failed`, so operators can tell a failed mint from a refusal. */
      authState?: 'mint_failed';
      reject: { code: AdmissionRejectCode };
      event: AdmissionEventKind;
    };

/** Kinds of blocker the pre-flip audit reports. */
export type PreFlipBlockerKind =
  /** An active token no provider has ever presented. */
  | 'token_never_used'
  /** An active token whose last use is older than the window. */
  | 'token_stale'
  /** A live session admitted as a quarantined duplicate. */
  | 'session_bearerless_duplicate'
  /** A live self-minted session whose provider has never presented its bearer. */
  | 'session_self_minted_unproven'
  /** A live session with an auth state admission never gives an admitted connection. */
  | 'session_auth_state_invalid';

/** One reason the flag cannot be flipped yet. Carries token prefixes, never tokens. */
export interface PreFlipBlocker {
  kind: PreFlipBlockerKind;
  providerId: string;
  tokenId?: string;
  tokenPrefix?: string;
  connectionId?: string;
  lastUsedAt?: Date;
}

/** Result of the pre-flip audit: `safe` only when `blockers` is empty. */
export interface PreFlipReport {
  safe: boolean;
  blockers: PreFlipBlocker[];
}
