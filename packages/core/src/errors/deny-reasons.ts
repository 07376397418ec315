/**
 * The closed set of reasons the inbound guard (and the transport around it) can deny with.
 *
 * @module @fedtrust/core/errors
 */

/** Every deny reason, in pipeline order, with the HTTP-like status it answers with. */
export const DENY_STATUS = {
  identity_missing: 401,
  identity_malformed: 401,
  identity_duplicate: 401,
  grant_unknown: 403,
  grant_pending: 403,
  grant_revoked: 403,
  grant_expired: 403,
  subject_mismatch: 403,
  peer_suspended: 403,
  peer_revoked: 403,
  cert_not_bound: 403,
  resource_not_granted: 403,
  resource_excluded: 403,
  verb_not_allowed: 403,
  rbac_denied: 403,
  rate_limited: 429,
  decision_failed: 503,
} as const satisfies Record<string, number>;

/** A stable snake_case deny reason. `decision_failed` is the fail-closed answer to any error while deciding. */
export type DenyReason = keyof typeof DENY_STATUS;

/** All deny reasons as an array, for exhaustive tests and documentation. */
export const DENY_REASONS = Object.keys(DENY_STATUS) as DenyReason[];

/** One human sentence per deny reason: what the peer's operator can do about it. */
export const DENY_REMEDIATION: Record<DenyReason, string> = {
  identity_missing: 'Present a client certificate issued by this gateway through enrollment.',
  identity_malformed: 'Re-enrol: the certificate carries identity extensions that cannot be read.',
  identity_duplicate: 'Re-enrol: the certificate carries an identity extension more than once.',
  grant_unknown: 'Ask the gateway operator for a grant; this certificate names none they know.',
  grant_pending: 'Finish enrollment; the grant is not active yet.',
  grant_revoked: 'The grant was revoked; ask the gateway operator for a new one.',
  grant_expired: 'The grant expired; ask the gateway operator to issue a new one.',
  subject_mismatch: 'Re-enrol: the certificate names another subject user than the grant.',
  peer_suspended: 'The gateway operator suspended this peer; ask them to resume it.',
  peer_revoked: 'The gateway operator revoked this peer; enrol again under a new grant.',
  cert_not_bound:
    'Use the current certificate issued at enrollment or renewal; this one is not bound to the peer, was revoked or has expired.',
  resource_not_granted: 'Ask the gateway operator to add the resource to the grant scope.',
  resource_excluded: 'The grant scope explicitly excludes this resource.',
  verb_not_allowed: 'The grant scope does not allow this verb on its resources.',
  rbac_denied: 'The subject user lacks permission for this resource on the serving gateway.',
  rate_limited: 'Slow down and retry after the time given in Retry-After.',
  decision_failed: 'Retry later; the gateway could not decide and denied to stay safe.',
};
