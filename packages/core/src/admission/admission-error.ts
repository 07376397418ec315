/**
 * Typed errors of admission inputs.
 *
 * @module @fedtrust/core/admission
 */
import { FedtrustError } from '../errors/fedtrust-error.js';

/** A host passed admission or the pre-flip audit something it cannot decide on; nothing was read or written. */
export class AdmissionInputError extends FedtrustError {
  static override readonly code = 'admission_input_invalid';
  override readonly name = 'AdmissionInputError';

  constructor(message: string) {
    super(AdmissionInputError.code, message, {
      status: 400,
      remediation:
        'Pass the provider id as a non-empty string (at most 256 characters) and a bearer only as a string.',
    });
  }
}
