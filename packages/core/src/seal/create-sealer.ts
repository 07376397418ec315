/**
 * The shipped {@link Sealer}: AES-256-GCM through WebCrypto, with a key ring so keys rotate.
 *
 * @module @fedtrust/core/seal
 */
import type { webcrypto } from 'node:crypto';
import type { Random } from '../ports/runtime.js';
import type { Sealer } from '../ports/sealer.js';
import { ENVELOPE_PREFIX, formatEnvelope, isValidKeyId, parseEnvelope } from './envelope.js';
import { SealError } from './errors.js';

/** AES-256 keys are 32 bytes; anything else is refused rather than stretched or truncated. */
export const SEAL_KEY_BYTES = 32;
const IV_BYTES = 12;

export interface SealerOptions {
  /** Every key that may have sealed a stored envelope, by key id. Keep retired keys until `resealAll` ran. */
  keys: Record<string, Uint8Array>;
  /** Key id new envelopes are sealed under; must be in `keys`. */
  currentKeyId: string;
  /** Source of the 12-byte IVs. Random 96-bit IVs stay safe well past 2^32 envelopes per key. */
  random: Random;
}

/**
 * Builds a sealer over a key ring. Throws `seal_key_invalid` for a key that is not 32
 * bytes or a malformed key id, and `seal_key_unknown` when `currentKeyId` is not in `keys`.
 * The key id, the envelope version and `context` are bound as AAD, so an envelope opens
 * only under the context it was sealed for (a key copied to another record id will not open).
 *
 * @example
 * const sealer = createSealer({ ...parseSealKeys(process.env.FEDTRUST_SEAL_KEYS ?? ''), random: systemRandom });
 * const envelope = await sealer.seal(pkcs8, 'client-key:peer-1');
 */
export function createSealer(options: SealerOptions): Sealer {
  const raw = new Map<string, Uint8Array>();
  for (const [keyId, key] of Object.entries(options.keys)) {
    if (!isValidKeyId(keyId)) {
      throw new SealError(
        'seal_key_invalid',
        'A seal key id must be 1-64 characters of A-Z, a-z, 0-9, _ or -.',
      );
    }
    if (!(key instanceof Uint8Array) || key.length !== SEAL_KEY_BYTES) {
      throw new SealError('seal_key_invalid', `Seal key "${keyId}" is not ${SEAL_KEY_BYTES} bytes.`, {
        details: { keyId },
      });
    }
    // A private copy: the caller may wipe or reuse its buffer.
    raw.set(keyId, Uint8Array.from(key));
  }
  const currentKeyId = options.currentKeyId;
  if (!raw.has(currentKeyId)) {
    throw new SealError(
      'seal_key_unknown',
      `The current seal key "${currentKeyId}" is not among the keys given.`,
      {
        details: { keyId: currentKeyId },
      },
    );
  }
  const imported = new Map<string, Promise<webcrypto.CryptoKey>>();

  function cryptoKey(keyId: string): Promise<webcrypto.CryptoKey> {
    let key = imported.get(keyId);
    if (key === undefined) {
      const bytes = raw.get(keyId);
      if (bytes === undefined) {
        throw new SealError('seal_key_unknown', `No seal key "${keyId}" is configured.`, {
          details: { keyId },
        });
      }
      key = globalThis.crypto.subtle.importKey('raw', bytes, { name: 'AES-GCM' }, false, [
        'encrypt',
        'decrypt',
      ]);
      imported.set(keyId, key);
    }
    return key;
  }

  return {
    currentKeyId,

    async seal(plaintext, context) {
      const drawn = options.random.bytes(IV_BYTES);
      if (!(drawn instanceof Uint8Array) || drawn.length !== IV_BYTES) {
        // Sealing with a short or repeated IV would break GCM; refuse instead.
        throw new SealError('seal_random_invalid', 'The random source did not return 12 bytes for the IV.');
      }
      // Copied before the first await: a source that refills one buffer would otherwise hand
      // the same IV to every seal running concurrently (GCM nonce reuse).
      const iv = Uint8Array.from(drawn);
      const key = await cryptoKey(currentKeyId);
      const sealed = await globalThis.crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: aad(currentKeyId, context) },
        key,
        plaintext,
      );
      return formatEnvelope({ keyId: currentKeyId, iv, sealed: new Uint8Array(sealed) });
    },

    async open(envelope, context) {
      const parts = parseEnvelope(envelope);
      const key = await cryptoKey(parts.keyId);
      try {
        const plain = await globalThis.crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: parts.iv, additionalData: aad(parts.keyId, context) },
          key,
          parts.sealed,
        );
        return new Uint8Array(plain);
      } catch (cause) {
        throw new SealError(
          'seal_open_failed',
          'The sealed envelope did not authenticate under its key and context.',
          {
            cause,
            details: { keyId: parts.keyId },
          },
        );
      }
    },

    keyIdOf(envelope) {
      return parseEnvelope(envelope).keyId;
    },
  };
}

/** NUL separators are unambiguous: key ids cannot contain NUL and the context is the last field. */
function aad(keyId: string, context: string): Uint8Array {
  return new TextEncoder().encode(`${ENVELOPE_PREFIX}\0${keyId}\0${context}`);
}
