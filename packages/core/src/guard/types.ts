/**
 * Inputs and decisions of the inbound guard.
 *
 * @module @fedtrust/core/guard
 */
import type { DenyReason } from '../errors/deny-reasons.js';
import type { Grant } from '../grant/types.js';
import type { Identity } from '../oid/types.js';
import type { HostAuthorizer } from '../ports/host.js';
import type { Clock } from '../ports/runtime.js';
import type { FederationStore } from '../ports/store.js';
import type { ResourceCatalogue } from '../scope/define-resources.js';
import type { ResourceFilter, Verb } from '../scope/types.js';

/**
 * What a TLS connection proved, decoded once per connection from the leaf DER by
 * `identifyConnection` (a connection's certificate cannot change) and kept with the socket.
 */
export type ConnectionIdentity =
  | { ok: true; identity: Identity; certSerial: string }
  | {
      ok: false;
      reason: 'identity_missing' | 'identity_malformed' | 'identity_duplicate';
      certSerial: string | null;
    };

/** One request to decide. `resource` is absent only for `capabilities`. */
export interface GuardInput {
  connection: ConnectionIdentity;
  verb: Verb;
  resource?: string;
  id?: string;
}

/** The stages of the pipeline, in order. */
export const GUARD_STAGES = [
  'identity',
  'grant',
  'grant_status',
  'binding',
  'scope',
  'rbac',
  'row_cap',
] as const;
export type GuardStage = (typeof GUARD_STAGES)[number];

/** What the guard reads and calls. Only the three lookups are needed from the store. */
export interface GuardDeps {
  store: Pick<FederationStore, 'getGrant' | 'getPeer' | 'getCertificateBinding'>;
  clock: Clock;
  authorize: HostAuthorizer;
  /**
   * The host's current resource catalogue. When given, the scope stage also denies
   * `resource_not_granted` for a granted resource the catalogue no longer lists, or now marks
   * sensitive without the scope's `approved_sensitive`. Without it, the stored scope alone
   * decides (it was checked against the catalogue when the grant was created).
   */
  catalogue?: ResourceCatalogue;
}

/** An allow: the filter and row cap the resource source must apply, as the subject user. */
export interface AllowDecision {
  allow: true;
  status: 200;
  grant: Grant;
  identity: Identity;
  certSerial: string;
  verb: Verb;
  resource: string | null;
  /** Row cap (`max_rows_per_query`); 0 for `capabilities`, which returns no rows. */
  rowCap: number;
  filter: ResourceFilter | null;
}

/** A deny with its stable reason. `grant` is set when the grant was found (for auditing only). */
export interface DenyDecision {
  allow: false;
  status: number;
  reason: DenyReason;
  stage: GuardStage;
  grantId: string | null;
  subject: string | null;
  certSerial: string | null;
  verb: Verb;
  resource: string | null;
}

export type Decision = AllowDecision | DenyDecision;

/** One stage as `explainDecision` reports it. */
export interface ExplainedStage {
  stage: GuardStage;
  outcome: 'pass' | 'deny' | 'not_reached';
  detail: string;
  /** On a deny: a JSON pointer into the grant's scope (`/excluded_resources/0`) or `grant.status=revoked`-style field clause. */
  clause?: string;
}

export interface Explanation {
  decision: Decision;
  stages: ExplainedStage[];
}
