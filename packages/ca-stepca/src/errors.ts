/**
 * The error a remote Step-CA causes. Its codes are core's `CA_ERRORS` (one list for every
 * CA adapter, so callers branch on `code` whichever CA is configured); `StepCaError` adds
 * step-ca-specific remediation and the CA's own message.
 *
 * @module @fedtrust/ca-stepca
 */
import { CA_ERRORS, CaError, type CaErrorCode, type FedtrustErrorOptions } from '@fedtrust/core';

/**
 * The codes only a remote CA causes, with core's status and a remediation naming step-ca's
 * own tools. Keyed by core's {@link CaErrorCode}; there are no step-ca-only codes.
 */
export const STEP_CA_ERRORS = {
  /** The provisioner is unknown, its key cannot be decrypted with the password, or the CA rejects the token signature. */
  ca_bad_credentials: {
    status: CA_ERRORS.ca_bad_credentials.status,
    remediation:
      "Check the provisioner name and password against the CA's ca.json (`step ca provisioner list`); the encrypted key must belong to the provisioner's public key.",
  },
  /** The CA refused the request for a reason of its own; the CA's message is in `details.caMessage`. */
  ca_policy_refused: {
    status: CA_ERRORS.ca_policy_refused.status,
    remediation:
      'Read the CA message and the step-ca log; check the provisioner template and policy against what fedtrust requests.',
  },
  /** The CA could not be reached, its TLS identity did not match the pinned root, or it answered garbage. */
  ca_unreachable: {
    status: CA_ERRORS.ca_unreachable.status,
    remediation:
      'Check that step-ca is running at the configured URL and that its root is the one fedtrust pins, then retry.',
  },
  /** The CA's clock and ours disagree by more than the token leeway (one minute). */
  ca_clock_skew: {
    status: CA_ERRORS.ca_clock_skew.status,
    remediation:
      'Synchronise the clocks of this host and the CA (NTP); one-time tokens allow one minute of skew.',
  },
  /** The CA returned a certificate that failed post-issuance verification; it was not handed out. */
  ca_verification_failed: {
    status: CA_ERRORS.ca_verification_failed.status,
    remediation:
      'Configure the provisioner with `templateFor(arc)` for the same arc as fedtrust, and check that the CA signs with the pinned root.',
  },
} as const satisfies Partial<Record<CaErrorCode, { status: number; remediation: string }>>;

/** A code {@link StepCaError} carries: a core CA code only a remote CA causes. */
export type StepCaErrorCode = keyof typeof STEP_CA_ERRORS;

/**
 * A Step-CA call failed in a way only a remote CA can. A {@link CaError} (same codes and
 * statuses); adds step-ca's remediation and {@link StepCaError.caMessage}.
 */
export class StepCaError extends CaError {
  static override readonly code: string = 'ca_stepca_error';
  override readonly name: string = 'StepCaError';
  declare readonly code: StepCaErrorCode;

  constructor(code: StepCaErrorCode, message: string, options: FedtrustErrorOptions = {}) {
    super(code, message, { remediation: STEP_CA_ERRORS[code].remediation, ...options });
  }

  /** What step-ca itself said, when it answered with a refusal (`details.caMessage`). */
  get caMessage(): string | undefined {
    const message = this.details?.['caMessage'];
    return typeof message === 'string' ? message : undefined;
  }
}
