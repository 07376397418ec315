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
export type AdmissionRejectCode = 'invalid_token' | 'token_required' | 'tofu_reject' | 'mint_failed' | 'store_error';
