/**
 * Errors only a remote Step-CA can cause. Refusals both CA adapters share (CSR invalid or
 * mismatched, lifetime out of bounds, revoked, expired, key mismatch) are core's `CaError`.
 *
 * @module @fedtrust/ca-stepca
 */
import { FedtrustError, type FedtrustErrorOptions } from '@fedtrust/core';

/** Every code {@link StepCaError} carries, with its HTTP-like status and remediation. */
export const STEP_CA_ERRORS = {
  /** The provisioner is unknown, its key cannot be decrypted with the password, or the CA rejects the token signature. */
  ca_bad_credentials: {
    status: 502,
    remediation:
      "Check the provisioner name and password against the CA's ca.json (`step ca provisioner list`); the encrypted key must belong to the provisioner's public key.",
  },
  /** The CA refused the request for a reason of its own; the CA's message is in `details.caMessage`. */
  ca_policy_refused: {
    status: 502,
    remediation:
      'Read the CA message and the step-ca log; check the provisioner template and policy against what fedtrust requests.',
  },
  /** The CA could not be reached, its TLS identity did not match the pinned root, or it answered garbage. */
  ca_unreachable: {
    status: 503,
    remediation:
      'Check that step-ca is running at the configured URL and that its root is the one fedtrust pins, then retry.',
  },
  /** The CA's clock and ours disagree by more than the token leeway (one minute). */
  ca_clock_skew: {
    status: 502,
    remediation:
      'Synchronise the clocks of this host and the CA (NTP); one-time tokens allow one minute of skew.',
  },
  /** The CA returned a certificate that failed post-issuance verification; it was not handed out. */
  ca_verification_failed: {
    status: 502,
    remediation:
      'Configure the provisioner with `templateFor(arc)` for the same arc as fedtrust, and check that the CA signs with the pinned root.',
  },
} as const satisfies Record<string, { status: number; remediation: string }>;

/** A stable Step-CA error code. */
export type StepCaErrorCode = keyof typeof STEP_CA_ERRORS;

/** A Step-CA call failed in a way specific to a remote CA; `code` is one of {@link STEP_CA_ERRORS}. */
export class StepCaError extends FedtrustError {
  static override readonly code: string = 'ca_stepca_error';
  override readonly name = 'StepCaError';
  declare readonly code: StepCaErrorCode;

  constructor(code: StepCaErrorCode, message: string, options: FedtrustErrorOptions = {}) {
    super(code, message, {
      status: STEP_CA_ERRORS[code].status,
      remediation: STEP_CA_ERRORS[code].remediation,
      ...options,
    });
  }
}
