/**
 * Single-use enrollment tokens, stored by hash.
 *
 * @module @fedtrust/adapter-sqlite
 */
import type { FederationStore, RedemptionResult } from '@fedtrust/core';
import type { Connection } from '../connection.js';
import { enrollmentFromRow, ms, msOrNull } from '../rows.js';

type EnrollmentMethods = Pick<FederationStore, 'insertEnrollmentToken' | 'redeemEnrollmentToken'>;

export function enrollmentMethods(c: Connection): EnrollmentMethods {
  return {
    insertEnrollmentToken: (record) =>
      c.run('insertEnrollmentToken', () => {
        c.stmt(
          `INSERT INTO enrollment_tokens (token_hash, prefix, grant_id, peer_id, created_at, expires_at, used_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          record.tokenHash,
          record.prefix,
          record.grantId,
          record.peerId,
          ms(record.createdAt),
          ms(record.expiresAt),
          msOrNull(record.usedAt),
        );
      }),

    redeemEnrollmentToken: (tokenHash, now) =>
      c.run('redeemEnrollmentToken', (): RedemptionResult => {
        const at = ms(now);
        const redeemed = c
          .stmt(
            `UPDATE enrollment_tokens SET used_at = @at
             WHERE token_hash = @tokenHash AND used_at IS NULL AND expires_at > @at
             RETURNING *`,
          )
          .get({ tokenHash, at });
        if (redeemed !== undefined) return { outcome: 'ok', record: enrollmentFromRow(redeemed) };
        // The update above decided; this read only explains the refusal. `used_at` is written
        // once and never cleared, so a row seen unused here was refused for its expiry.
        const row = c.stmt('SELECT used_at FROM enrollment_tokens WHERE token_hash = ?').get(tokenHash);
        if (row === undefined) return { outcome: 'unknown' };
        return { outcome: row['used_at'] === null ? 'expired' : 'already_used' };
      }),
  };
}
