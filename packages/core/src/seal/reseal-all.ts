/**
 * Key rotation: move every sealed record to the sealer's current key.
 *
 * @module @fedtrust/core/seal
 */
import { isFedtrustError } from '../errors/fedtrust-error.js';
import type { Clock } from '../ports/runtime.js';
import type { Sealer } from '../ports/sealer.js';
import type { SealedStore } from '../ports/store.js';
import { openRecord, sealRecord } from './sealed-record.js';

/** What {@link resealAll} did. */
export interface ResealReport {
  /** Records in the store. */
  total: number;
  /** Records re-sealed under the current key by this run. */
  resealed: number;
  /** Records already under the current key, left untouched. */
  alreadyCurrent: number;
  /** Records that did not open (unknown key, tampered envelope); left as they were. */
  failed: Array<{ id: string; keyId: string; code: string }>;
  /** Ids of records another writer replaced while this ran; left as that writer wrote them. */
  changed: string[];
}

/**
 * Re-seals every record whose envelope names another key than `sealer.currentKeyId`, one
 * record at a time: each record is replaced in a single write, so a run stopped half-way
 * leaves every record openable and a second run finishes the job. A record that does not open
 * is reported in `failed`, never overwritten. Each write is a compare-and-set on the envelope
 * that was read (`replaceSealed`), so a secret another writer replaced meanwhile is kept and
 * reported in `changed`; a store without `replaceSealed` falls back to `putSealed`, and then
 * such a secret may be overwritten by its resealed older value.
 * `updatedAt` is stamped from `options.clock` when given, else kept (the secret did not change).
 */
export async function resealAll(
  store: SealedStore,
  sealer: Sealer,
  options: { clock?: Clock } = {},
): Promise<ResealReport> {
  const records = await store.listSealed();
  const report: ResealReport = {
    total: records.length,
    resealed: 0,
    alreadyCurrent: 0,
    failed: [],
    changed: [],
  };
  for (const record of records) {
    let keyId = record.keyId;
    try {
      keyId = sealer.keyIdOf(record.envelope);
      if (keyId === sealer.currentKeyId) {
        report.alreadyCurrent += 1;
        continue;
      }
      const plaintext = await openRecord(sealer, record);
      const next = await sealRecord(sealer, record.id, plaintext, options.clock?.now() ?? record.updatedAt);
      plaintext.fill(0);
      if (store.replaceSealed === undefined) {
        await store.putSealed(next);
      } else if (!(await store.replaceSealed(next, record.envelope))) {
        report.changed.push(record.id);
        continue;
      }
      report.resealed += 1;
    } catch (error) {
      // Store failures abort: continuing would report counts the database does not hold.
      if (!isFedtrustError(error) || !error.code.startsWith('seal_')) throw error;
      report.failed.push({ id: record.id, keyId, code: error.code });
    }
  }
  return report;
}
