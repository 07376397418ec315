/**
 * Sealed secrets. The store only ever sees envelopes; sealing happens in core's `Sealer`.
 *
 * @module @fedtrust/adapter-sqlite
 */
import type { SealedStore } from '@fedtrust/core';
import type { Connection } from '../connection.js';
import { ms, sealedFromRow } from '../rows.js';

type SealedMethods = Pick<SealedStore, keyof SealedStore>;

export function sealedMethods(c: Connection): SealedMethods {
  return {
    putSealed: (record) =>
      c.run('putSealed', () => {
        c.stmt(
          `INSERT INTO sealed_records (id, key_id, envelope, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET key_id = excluded.key_id, envelope = excluded.envelope,
             updated_at = excluded.updated_at`,
        ).run(record.id, record.keyId, record.envelope, ms(record.updatedAt));
      }),

    getSealed: (id) =>
      c.run('getSealed', () => {
        const row = c.stmt('SELECT * FROM sealed_records WHERE id = ?').get(id);
        return row === undefined ? null : sealedFromRow(row);
      }),

    listSealed: () =>
      c.run('listSealed', () => c.stmt('SELECT * FROM sealed_records ORDER BY id').all().map(sealedFromRow)),
  };
}
