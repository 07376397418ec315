/**
 * Token hashing: the only form in which enrollment and provider tokens are stored.
 *
 * @module @fedtrust/core/enrollment
 */
import { createHash } from 'node:crypto';

/**
 * SHA-256 of a bearer token (enrollment or provider), lower-case hex: the only form a
 * token is ever stored or compared in. Deterministic, so a store looks tokens up by it.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
