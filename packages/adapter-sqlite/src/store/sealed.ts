/**
 * Sealed secrets. The store only ever sees envelopes; sealing happens in core's `Sealer`.
 *
 * @module @fedtrust/adapter-sqlite
 */
import type { SealedStore } from '@fedtrust/core';
import type { Connection } from '../connection.js';
import { ms, sealedFromRow } from '../rows.js';

type SealedMethods = Required<Pick<SealedStore, keyof SealedStore>>;

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

    replaceSealed: (record, expectedEnvelope) =>
      c.run('replaceSealed', () => {
        const values = [record.keyId, record.envelope, ms(record.updatedAt), record.id];
        const { changes } =
          expectedEnvelope === null
            ? c
                .stmt(
                  `INSERT INTO sealed_records (key_id, envelope, updated_at, id) VALUES (?, ?, ?, ?)
                   ON CONFLICT (id) DO NOTHING`,
                )
                .run(...values)
            : c
                .stmt(
                  'UPDATE sealed_records SET key_id = ?, envelope = ?, updated_at = ? WHERE id = ? AND envelope = ?',
                )
                .run(...values, expectedEnvelope);
        return changes === 1;
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
