/**
 * The audit an operator runs before switching `requireProviderTokens` on.
 *
 * @module @fedtrust/core/admission
 */
import type { ProviderSession } from '../registry/types.js';
import { AdmissionInputError } from './admission-error.js';
import type { PreFlipBlocker, PreFlipReport, ProviderToken } from './types.js';

/** Default window within which an active token must have been used: 24 hours. */
export const DEFAULT_MAX_LAST_USED_AGE_MS = 24 * 60 * 60 * 1000;

/** Inputs of {@link preFlipAudit}: the store's tokens and the registry's live sessions. */
export interface PreFlipInput {
  tokens: readonly ProviderToken[];
  sessions: readonly Pick<ProviderSession, 'providerId' | 'connectionId' | 'authState'>[];
  now: Date;
  /** How long ago an active token may last have been used; defaults to 24 h. */
  maxLastUsedAgeMs?: number;
}

/**
 * Whether switching `requireProviderTokens` on would strand a provider, listing every
 * blocker: active tokens never used, active tokens last used longer ago than the window,
 * live `bearerless_duplicate` sessions, live `self_minted` sessions whose provider's active
 * token has no recorded use, and sessions with an auth state admission never admits.
 * `safe` is true only when there is no blocker. Revoked tokens are ignored; a token without a
 * valid `lastUsedAt` counts as never used.
 * Throws `AdmissionInputError` for an invalid `now` or window.
 */
export function preFlipAudit(input: PreFlipInput): PreFlipReport {
  const { tokens, sessions, now } = input;
  const maxAge = input.maxLastUsedAgeMs ?? DEFAULT_MAX_LAST_USED_AGE_MS;
  if (!(now instanceof Date) || Number.isNaN(now.getTime()))
    throw new AdmissionInputError('`now` must be a valid Date.');
  if (!Number.isFinite(maxAge) || maxAge <= 0) {
    throw new AdmissionInputError('`maxLastUsedAgeMs` must be a positive number of milliseconds.');
  }

  const blockers: PreFlipBlocker[] = [];
  const provenProviders = new Set<string>();
  for (const token of tokens) {
    // Fail closed on rows outside the record shape: only a revocation time makes a token
    // revoked, and only a valid use time counts as a use.
    if (token.revokedAt !== null && token.revokedAt !== undefined) continue;
    const ids = { providerId: token.providerId, tokenId: token.id, tokenPrefix: token.prefix.slice(0, 8) };
    if (!(token.lastUsedAt instanceof Date) || Number.isNaN(token.lastUsedAt.getTime())) {
      blockers.push({ kind: 'token_never_used', ...ids });
      continue;
    }
    provenProviders.add(token.providerId);
    if (now.getTime() - token.lastUsedAt.getTime() > maxAge) {
      blockers.push({ kind: 'token_stale', ...ids, lastUsedAt: token.lastUsedAt });
    }
  }
  for (const session of sessions) {
    const ids = { providerId: session.providerId, connectionId: session.connectionId };
    switch (session.authState) {
      case 'bearer_validated':
        break;
      case 'self_minted':
        if (!provenProviders.has(session.providerId))
          blockers.push({ kind: 'session_self_minted_unproven', ...ids });
        break;
      case 'bearerless_duplicate':
        blockers.push({ kind: 'session_bearerless_duplicate', ...ids });
        break;
      default:
        blockers.push({ kind: 'session_auth_state_invalid', ...ids });
    }
  }
  return { safe: blockers.length === 0, blockers };
}
