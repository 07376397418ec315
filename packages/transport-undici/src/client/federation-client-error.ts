/**
 * The error every federation client call rejects with.
 *
 * @module @fedtrust/transport-undici
 */
import { FedtrustError, type FedtrustErrorOptions } from '@fedtrust/core';

/**
 * A peer call that did not succeed. `status` is the peer's HTTP status, or 504 for a timeout
 * and 502 for a peer that could not be reached or answered something unreadable; `reason`
 * is the peer's stable error code (`grant_revoked`, `rate_limited`, …) or one of
 * `peer_timeout`, `peer_unreachable`, `peer_invalid_response`, `peer_response_too_large`,
 * `circuit_open`.
 */
export class FederationClientError extends FedtrustError {
  static override readonly code = 'federation_call_failed';
  override readonly name = 'FederationClientError';
  readonly peer: string;
  readonly reason: string;
  /** Seconds from the peer's `Retry-After`, when it sent one. */
  readonly retryAfterSeconds: number | null;

  constructor(
    peer: string,
    status: number,
    reason: string,
    message: string,
    options: Omit<FedtrustErrorOptions, 'status'> & { retryAfterSeconds?: number | null } = {},
  ) {
    super(FederationClientError.code, `peer ${peer}: ${message}`, {
      remediation: 'See `reason`; deny reasons are listed in DESIGN.md with what the peer operator can do.',
      ...options,
      status,
      details: { peer, reason, ...(options.details ?? {}) },
    });
    this.peer = peer;
    this.reason = reason;
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
  }
}

/** True for a {@link FederationClientError}, from any copy of this module. */
export function isFederationClientError(value: unknown): value is FederationClientError {
  return (
    value instanceof Error && value.name === 'FederationClientError' && 'reason' in value && 'peer' in value
  );
}
