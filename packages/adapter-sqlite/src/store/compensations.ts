/**
 * Compensations the enrollment saga still owes (certificates to revoke at the CA).
 *
 * @module @fedtrust/adapter-sqlite
 */
import { type CompensationStore, StoreError } from '@fedtrust/core';
import type { Connection } from '../connection.js';
import { compensationFromRow, ms, msOrNull } from '../rows.js';

type CompensationMethods = Pick<CompensationStore, keyof CompensationStore>;

export function compensationMethods(c: Connection): CompensationMethods {
  return {
    addCompensation: (record) =>
      c.run('addCompensation', () => {
        c.stmt(
          `INSERT INTO pending_compensations (id, serial, grant_id, peer_id, reason, created_at, attempts, last_error,
             resolved_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          record.id,
          record.serial,
          record.grantId,
          record.peerId,
          record.reason,
          ms(record.createdAt),
          record.attempts,
          record.lastError,
          msOrNull(record.resolvedAt),
        );
      }),

    listPendingCompensations: () =>
      c.run('listPendingCompensations', () =>
        c
          .stmt('SELECT * FROM pending_compensations WHERE resolved_at IS NULL ORDER BY created_at, id')
          .all()
          .map(compensationFromRow),
      ),

    noteCompensationAttempt: (id, error) =>
      c.run('noteCompensationAttempt', () => {
        const { changes } = c
          .stmt('UPDATE pending_compensations SET attempts = attempts + 1, last_error = ? WHERE id = ?')
          .run(error, id);
        // An attempt on a record that does not exist is a caller bug; saying so beats losing it.
        if (changes === 0) {
          throw new StoreError(`noteCompensationAttempt failed: no compensation with id ${id}.`, {
            details: { operation: 'noteCompensationAttempt', id },
            remediation: 'Record the compensation with addCompensation before noting attempts on it.',
          });
        }
      }),

    resolveCompensation: (id, now) =>
      c.run(
        'resolveCompensation',
        () =>
          c
            .stmt('UPDATE pending_compensations SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL')
            .run(ms(now), id).changes === 1,
      ),
  };
}
