/**
 * Typed errors of the sealing module.
 *
 * @module @fedtrust/core/seal
 */
import { FedtrustError, type FedtrustErrorOptions } from '../errors/fedtrust-error.js';

/** Stable codes a {@link SealError} carries. */
export type SealErrorCode =
  | 'seal_key_unknown'
  | 'seal_open_failed'
  | 'seal_key_invalid'
  | 'seal_random_invalid';

const REMEDIATION: Record<SealErrorCode, string> = {
  seal_key_unknown:
    'Add the key this envelope names to the seal key list (keep retired keys until `reseal` has moved every record).',
  seal_open_failed:
    'The envelope was altered, truncated or opened under another context; restore it from a backup or seal the secret again.',
  seal_random_invalid:
    'Pass a Random whose bytes(n) returns n fresh bytes, such as systemRandom from @fedtrust/core/system.',
  seal_key_invalid:
    'Give each seal key as `<kid>:<base64 of 32 random bytes>`; generate one with `formatSealKey(kid, generateSealKey(systemRandom))`.',
};

/** A secret could not be sealed or opened. Never carries key material or plaintext. */
export class SealError extends FedtrustError {
  override readonly name = 'SealError';
  declare readonly code: SealErrorCode;

  constructor(code: SealErrorCode, message: string, options: FedtrustErrorOptions = {}) {
    super(code, message, { status: 500, remediation: REMEDIATION[code], ...options });
  }
}
