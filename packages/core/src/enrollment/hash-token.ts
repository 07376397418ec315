/**
 * Token hashing: the only form in which enrollment and provider tokens are stored.
 *
 * @module @fedtrust/core/enrollment
 */
import { hash } from 'node:crypto';

/**
 * SHA-256 of a bearer token (enrollment or provider), lower-case hex: the only form a
 * token is ever stored or compared in. Deterministic, so a store looks tokens up by it.
 */
export function hashToken(token: string): string {
  // One-shot hash (Node ≥ 20.12 / 21.7): the same UTF-8 bytes and hex digest as
  // createHash().update().digest(), without a Hash object per admitted request.
  return hash('sha256', token, 'hex');
}
