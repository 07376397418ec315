/**
 * Enrollment token records.
 *
 * @module @fedtrust/core/enrollment
 */

/** A stored enrollment token. The plaintext token is never stored; only its SHA-256 hash (hex). */
export interface EnrollmentTokenRecord {
  tokenHash: string;
  /** First 8 characters of the plaintext token, safe to log. */
  prefix: string;
  grantId: string;
  peerId: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

/** Outcome of a redemption attempt. Exactly one concurrent redeemer of a token sees `ok`. */
export type RedemptionOutcome = 'ok' | 'expired' | 'already_used' | 'unknown';

export type RedemptionResult =
  | { outcome: 'ok'; record: EnrollmentTokenRecord }
  | { outcome: Exclude<RedemptionOutcome, 'ok'> };
