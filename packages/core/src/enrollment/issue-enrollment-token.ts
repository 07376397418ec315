/**
 * Issuing single-use enrollment tokens for a pending grant's own peer.
 *
 * @module @fedtrust/core/enrollment
 */
import { FedtrustError } from '../errors/fedtrust-error.js';
import { effectiveGrantStatus } from '../grant/effective-grant-status.js';
import { GrantNotFoundError } from '../grant/errors.js';
import type { Clock, Random } from '../ports/runtime.js';
import type { FederationStore } from '../ports/store.js';
import { EnrollmentError } from './errors.js';
import { hashToken } from './hash-token.js';
import { tokenPrefix } from './token-prefix.js';
import type { EnrollmentTokenRecord } from './types.js';

/** Recognisable prefix of every enrollment token (secret scanners and humans can tell what leaked). */
export const ENROLLMENT_TOKEN_PREFIX = 'fte_';
/** Random bytes behind each token (256 bits). */
export const ENROLLMENT_TOKEN_BYTES = 32;
/** Default time to live: 15 minutes. */
export const ENROLLMENT_TOKEN_DEFAULT_TTL_SECONDS = 15 * 60;
/** Shortest allowed time to live: a minute, so a token can be copied to the peer at all. */
export const ENROLLMENT_TOKEN_MIN_TTL_SECONDS = 60;
/** Longest allowed time to live: a day; a longer-lived bearer secret is a liability. */
export const ENROLLMENT_TOKEN_MAX_TTL_SECONDS = 24 * 60 * 60;

export interface IssueEnrollmentTokenInput {
  grantId: string;
  ttlSeconds?: number;
}

export interface IssueEnrollmentTokenDeps {
  store: FederationStore;
  clock: Clock;
  random: Random;
}

/**
 * Issues a single-use enrollment token for a pending grant's own peer (`grant.peerId`).
 * The token is `fte_` + base64url of 32 random bytes and is returned exactly once; only
 * its SHA-256 hash and 8-character prefix are stored. It expires after `ttlSeconds`
 * (default 900, bounds 60..86400), and never later than the grant itself.
 *
 * Refuses with `grant_not_found`, `enrollment_grant_not_pending` (active, revoked or
 * expired grant), `enrollment_peer_not_pending` or `enrollment_ttl_invalid`, writing nothing.
 */
export async function issueEnrollmentToken(
  input: IssueEnrollmentTokenInput,
  deps: IssueEnrollmentTokenDeps,
): Promise<{ token: string; record: EnrollmentTokenRecord }> {
  const ttlSeconds = input.ttlSeconds ?? ENROLLMENT_TOKEN_DEFAULT_TTL_SECONDS;
  if (
    !Number.isSafeInteger(ttlSeconds) ||
    ttlSeconds < ENROLLMENT_TOKEN_MIN_TTL_SECONDS ||
    ttlSeconds > ENROLLMENT_TOKEN_MAX_TTL_SECONDS
  ) {
    throw new EnrollmentError(
      'enrollment_ttl_invalid',
      `ttlSeconds must be a whole number from ${ENROLLMENT_TOKEN_MIN_TTL_SECONDS} to ${ENROLLMENT_TOKEN_MAX_TTL_SECONDS}.`,
      { ttlSeconds: String(ttlSeconds) },
    );
  }

  const now = deps.clock.now();
  const grant = await deps.store.getGrant(input.grantId);
  if (grant === null) throw new GrantNotFoundError(input.grantId);
  const grantStatus = effectiveGrantStatus(grant, now);
  if (grantStatus !== 'pending') {
    throw new EnrollmentError(
      'enrollment_grant_not_pending',
      `Grant ${grant.id} is ${grantStatus}, not pending.`,
      {
        grantId: grant.id,
        status: grantStatus,
      },
    );
  }
  const peer = await deps.store.getPeer(grant.peerId);
  if (peer === null || peer.status !== 'pending') {
    throw new EnrollmentError(
      'enrollment_peer_not_pending',
      `The peer of grant ${grant.id} is ${peer === null ? 'missing' : peer.status}, not pending.`,
      { grantId: grant.id, peerId: grant.peerId, status: peer?.status ?? null },
    );
  }

  const bytes = deps.random.bytes(ENROLLMENT_TOKEN_BYTES);
  // A short read would silently weaken the secret; refuse rather than issue it.
  if (bytes.length !== ENROLLMENT_TOKEN_BYTES) {
    throw new FedtrustError('random_short_read', `Random returned ${bytes.length} bytes, expected 32.`, {
      status: 500,
      remediation: 'Pass a Random port whose bytes(n) returns exactly n bytes (e.g. systemRandom).',
    });
  }
  const token = ENROLLMENT_TOKEN_PREFIX + Buffer.from(bytes).toString('base64url');
  const ttlEnd = now.getTime() + ttlSeconds * 1000;
  const expiresAt = new Date(grant.expiresAt === null ? ttlEnd : Math.min(ttlEnd, grant.expiresAt.getTime()));
  const record: EnrollmentTokenRecord = {
    tokenHash: hashToken(token),
    prefix: tokenPrefix(token),
    grantId: grant.id,
    peerId: grant.peerId,
    createdAt: now,
    expiresAt,
    usedAt: null,
  };
  await deps.store.insertEnrollmentToken(record);
  return { token, record };
}
