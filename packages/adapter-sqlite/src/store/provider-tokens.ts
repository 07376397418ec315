/**
 * Provider bearer tokens: the atomic primitives under core's admission state machine.
 *
 * @module @fedtrust/adapter-sqlite
 */
import type { FederationStore, IssueResult, ProviderTokenStore } from '@fedtrust/core';
import type { Connection } from '../connection.js';
import { ms, msOrNull, providerTokenFromRow } from '../rows.js';

type ProviderTokenMethods = Pick<FederationStore, keyof ProviderTokenStore>;

export function providerTokenMethods(c: Connection): ProviderTokenMethods {
  return {
    validateAndMarkUsed: (providerId, tokenHash, now) =>
      c.run('validateAndMarkUsed', () => {
        const row = c
          .stmt(
            `UPDATE provider_tokens SET last_used_at = ?
             WHERE provider_id = ? AND token_hash = ? AND revoked_at IS NULL
             RETURNING *`,
          )
          .get(ms(now), providerId, tokenHash);
        return row === undefined ? null : providerTokenFromRow(row);
      }),

    findActive: (providerId) =>
      c.run('findActive', () => {
        const row = c
          .stmt('SELECT * FROM provider_tokens WHERE provider_id = ? AND revoked_at IS NULL')
          .get(providerId);
        return row === undefined ? null : providerTokenFromRow(row);
      }),

    revokeUnused: (tokenId, now) =>
      c.run(
        'revokeUnused',
        () =>
          c
            .stmt(
              `UPDATE provider_tokens SET revoked_at = ?
               WHERE id = ? AND revoked_at IS NULL AND last_used_at IS NULL`,
            )
            .run(ms(now), tokenId).changes === 1,
      ),

    // The conflict target is exactly the partial unique index `provider_tokens_one_active`, so
    // the index decides and only its conflict becomes `active_exists`; any other constraint
    // (a reused id) still fails as a StoreError. No driver message text is parsed.
    issue: (token) =>
      c.run('issue', (): IssueResult => {
        const row = c
          .stmt(
            `INSERT INTO provider_tokens (id, provider_id, token_hash, prefix, created_at, last_used_at, revoked_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (provider_id) WHERE revoked_at IS NULL DO NOTHING
             RETURNING *`,
          )
          .get(
            token.id,
            token.providerId,
            token.tokenHash,
            token.prefix,
            ms(token.createdAt),
            msOrNull(token.lastUsedAt),
            msOrNull(token.revokedAt),
          );
        return row === undefined
          ? { issued: false, reason: 'active_exists' }
          : { issued: true, token: providerTokenFromRow(row) };
      }),

    listProviderTokens: (filter = {}) =>
      c.run('listProviderTokens', () =>
        c
          .stmt(
            `SELECT * FROM provider_tokens WHERE (@providerId IS NULL OR provider_id = @providerId)
             ORDER BY created_at DESC, id DESC`,
          )
          .all({ providerId: filter.providerId ?? null })
          .map(providerTokenFromRow),
      ),

    revokeProviderToken: (tokenId, now) =>
      c.run(
        'revokeProviderToken',
        () =>
          c
            .stmt('UPDATE provider_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
            .run(ms(now), tokenId).changes === 1,
      ),
  };
}
