/**
 * Redeeming an enrollment token exactly once.
 *
 * @module @fedtrust/core/enrollment
 */
import type { Clock } from '../ports/runtime.js';
import type { FederationStore } from '../ports/store.js';
import { hashToken } from './hash-token.js';
import { ENROLLMENT_TOKEN_BYTES, ENROLLMENT_TOKEN_PREFIX } from './issue-enrollment-token.js';
import type { RedemptionResult } from './types.js';

const BASE64URL_LENGTH = Math.ceil((ENROLLMENT_TOKEN_BYTES * 4) / 3);
const TOKEN_SHAPE = new RegExp(`^${ENROLLMENT_TOKEN_PREFIX}[A-Za-z0-9_-]{${BASE64URL_LENGTH}}$`);

/**
 * Redeems an enrollment token once: `ok` with the stored record for exactly one caller,
 * `already_used` for every later or concurrent one, `expired` once `now >= expiresAt`,
 * `unknown` for anything never issued — including strings that are not token-shaped,
 * which never reach the store. Atomicity is the store's single conditional update.
 */
export async function redeemEnrollmentToken(
  token: string,
  deps: { store: Pick<FederationStore, 'redeemEnrollmentToken'>; clock: Clock },
): Promise<RedemptionResult> {
  if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return { outcome: 'unknown' };
  return deps.store.redeemEnrollmentToken(hashToken(token), deps.clock.now());
}
