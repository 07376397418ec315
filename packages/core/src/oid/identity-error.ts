/**
 * Errors of the identity-extension codec.
 *
 * @module @fedtrust/core/oid
 */
import { DENY_REMEDIATION } from '../errors/deny-reasons.js';
import { FedtrustError } from '../errors/fedtrust-error.js';

/** Why a certificate does not carry a readable identity; each is also a guard deny reason (401). */
export type IdentityErrorCode = 'identity_missing' | 'identity_duplicate' | 'identity_malformed';

/**
 * A leaf certificate does not carry exactly one well-formed grant id and subject user id.
 * `code` is `identity_missing`, `identity_duplicate` or `identity_malformed`; status 401.
 */
export class IdentityError extends FedtrustError {
  override readonly name = 'IdentityError';
  declare readonly code: IdentityErrorCode;

  constructor(code: IdentityErrorCode, message: string) {
    super(code, message, { status: 401, remediation: DENY_REMEDIATION[code] });
  }
}

/** The configured identity arc is not a dotted-decimal object identifier. A host configuration error. */
export class IdentityArcError extends FedtrustError {
  static override readonly code = 'identity_arc_invalid';
  override readonly name = 'IdentityArcError';

  constructor(arc: unknown, why: string) {
    super(IdentityArcError.code, `The identity arc ${JSON.stringify(arc)} is invalid: ${why}.`, {
      status: 500,
      remediation:
        'Set the identity arc to your IANA Private Enterprise Number arc in dotted decimal, such as 1.3.6.1.4.1.32473.',
      details: { arc: typeof arc === 'string' ? arc.slice(0, 200) : String(arc) },
    });
  }
}
