/**
 * Sealing secrets into {@link SealedRecord}s. The record id is the AAD context, so every
 * caller (CAs, stores, `resealAll`) agrees on how a record opens.
 *
 * @module @fedtrust/core/seal
 */
import type { Sealer } from '../ports/sealer.js';
import type { SealedRecord } from '../ports/store.js';

/** Seals `plaintext` for the record `id` (bound as context) under the sealer's current key. */
export async function sealRecord(
  sealer: Sealer,
  id: string,
  plaintext: Uint8Array,
  now: Date,
): Promise<SealedRecord> {
  const envelope = await sealer.seal(plaintext, id);
  return { id, keyId: sealer.keyIdOf(envelope), envelope, updatedAt: now };
}

/** Opens a record sealed by {@link sealRecord}; throws `seal_key_unknown` or `seal_open_failed`. */
export function openRecord(sealer: Sealer, record: SealedRecord): Promise<Uint8Array> {
  return sealer.open(record.envelope, record.id);
}
