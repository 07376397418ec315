/**
 * Seal key generation and the operator-facing key list format.
 *
 * @module @fedtrust/core/seal
 */
import { Buffer } from 'node:buffer';
import type { Random } from '../ports/runtime.js';
import { SEAL_KEY_BYTES } from './create-sealer.js';
import { isValidKeyId } from './envelope.js';
import { SealError } from './errors.js';

/** A fresh 32-byte AES-256 key from `random`; throws `seal_random_invalid` if the source is short. */
export function generateSealKey(random: Random): Uint8Array {
  const key = random.bytes(SEAL_KEY_BYTES);
  if (!(key instanceof Uint8Array) || key.length !== SEAL_KEY_BYTES) {
    throw new SealError('seal_random_invalid', `The random source did not return ${SEAL_KEY_BYTES} bytes.`);
  }
  // A copy: a source that refills one buffer must not make two keys the same bytes.
  return Uint8Array.from(key);
}

/** One entry of an operator's key list, `<kid>:<base64>`, as {@link parseSealKeys} reads it. */
export function formatSealKey(keyId: string, key: Uint8Array): string {
  if (!isValidKeyId(keyId) || key.length !== SEAL_KEY_BYTES) {
    throw new SealError('seal_key_invalid', 'A seal key needs a valid key id and exactly 32 bytes.');
  }
  return `${keyId}:${Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('base64')}`;
}
