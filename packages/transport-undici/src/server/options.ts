/**
 * Options of the federation request handler and server.
 *
 * @module @fedtrust/transport-undici
 */
import type {
  CertificateAuthority,
  Clock,
  FederationStore,
  HostAuthorizer,
  Logger,
  Random,
  ResourceCatalogue,
} from '@fedtrust/core';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { TelemetryOptions } from '../telemetry/instruments.js';
import type { ResourceSource } from '../types.js';

/** A fixed-window budget: at most `points` requests per `durationSeconds`. */
export interface RateBudget {
  points: number;
  durationSeconds: number;
}

/** Default per-grant budget: 600 requests a minute. */
export const DEFAULT_GRANT_BUDGET: RateBudget = { points: 600, durationSeconds: 60 };
/**
 * Default per-grant renewal budget: 10 renewals an hour. A peer renews once per two thirds
 * of its certificate's lifetime, so this only bounds how many live certificates a stolen
 * one could mint; each renewal also spends a point of the grant budget.
 */
export const DEFAULT_RENEW_BUDGET: RateBudget = { points: 10, durationSeconds: 3600 };
/**
 * Default grace, in seconds, before a renewed certificate stops being accepted: long enough for
 * requests in flight on the client's old Agent to finish (a client call times out after 10 s).
 */
export const DEFAULT_RETIRE_AFTER_SECONDS = 300;
/**
 * Default per-address budget: 10 requests a minute, spent by `/enroll` attempts (tokens are
 * single-use anyway) and by requests on other routes that carry no readable certificate.
 */
export const DEFAULT_ENROLL_BUDGET: RateBudget = { points: 10, durationSeconds: 60 };

export interface EnrollmentOptions {
  /** The CA that signs enrolled peers' certificates. */
  ca: CertificateAuthority;
  /**
   * Per-client-address budget (default {@link DEFAULT_ENROLL_BUDGET}) for `POST /enroll` and
   * for every request on another route without a readable client certificate. Without
   * `enrollment`, those requests spend the default budget, keyed by the socket's address.
   */
  rateLimit?: RateBudget;
  /** A limiter to use instead of the in-process one built from `rateLimit`, keyed by client address. */
  rateLimiter?: RateLimiterAbstract;
  /**
   * Addresses or CIDR ranges of reverse proxies in front of this server. `X-Forwarded-For`
   * is believed only when the direct peer is one of them. Default: none.
   */
  trustedProxies?: readonly string[];
}

export interface RenewalRouteOptions {
  /** The CA that signs renewed certificates (default the enrollment CA). */
  ca?: CertificateAuthority;
  /** Lifetime to request for a renewed certificate (default the CA's own default). */
  lifetimeSeconds?: number;
  /**
   * Seconds the certificate that asked for a renewal is still accepted after the renewal
   * succeeded (default {@link DEFAULT_RETIRE_AFTER_SECONDS}); it is retired then, and from the
   * renewal on only the new certificate may renew. `0` retires it at once.
   */
  retireAfterSeconds?: number;
  /** Per-grant budget for `POST /renew` (default {@link DEFAULT_RENEW_BUDGET}), on top of the grant budget. */
  rateLimit?: RateBudget;
  /** A limiter to use instead of the in-process one built from `rateLimit`, keyed by grant id. */
  rateLimiter?: RateLimiterAbstract;
}

export interface FederationHandlerOptions extends TelemetryOptions {
  /** This gateway's name; every row served is tagged `_source: gatewayName`. */
  gatewayName: string;
  store: FederationStore;
  /** The host's RBAC, asked as the grant's subject user. Errors deny. */
  authorize: HostAuthorizer;
  /** One source per resource name of the host's catalogue. */
  sources: Record<string, ResourceSource>;
  /**
   * The host's current resource catalogue (what it passes to `defineResources`). When given,
   * the guard also denies `resource_not_granted` for a granted resource the catalogue no
   * longer lists or now marks sensitive without the scope's approval; without it, a grant
   * keeps what its scope named when it was created.
   */
  catalogue?: ResourceCatalogue;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** Identity extension arc (default core's development arc). */
  identityArc?: string;
  /** Audit chain decisions are appended to (default `'federation'`). */
  auditChainId?: string;
  /** Per-grant budget (default {@link DEFAULT_GRANT_BUDGET}); ignored when `rateLimiter` is given. */
  rateLimit?: RateBudget;
  /**
   * Any rate-limiter-flexible limiter, keyed by grant id. Pass a `RateLimiterPostgres` on
   * the store's pool so every replica spends one shared budget per grant.
   */
  rateLimiter?: RateLimiterAbstract;
  /** Enables `POST /fedtrust/v1/enroll`; without it the route answers 404. */
  enrollment?: EnrollmentOptions;
  /**
   * `POST /fedtrust/v1/renew`: a peer presenting a bound certificate trades a CSR for a new
   * one, bound before the answer. Enabled whenever a CA is known (this, or `enrollment.ca`);
   * `false` turns it off (the route answers 404).
   */
  renewal?: RenewalRouteOptions | false;
  /** Cap on request bodies (default 64 KiB). */
  maxBodyBytes?: number;
}

/** The renewal grace from `options`; throws `TypeError` for a value that is not a finite number of seconds >= 0. */
export function retireAfterSeconds(options: RenewalRouteOptions | undefined): number {
  const value = options?.retireAfterSeconds ?? DEFAULT_RETIRE_AFTER_SECONDS;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`renewal.retireAfterSeconds must be a finite number >= 0, got ${String(value)}`);
  }
  return value;
}
