/**
 * The inbound guard: one decision per federation request.
 *
 * @module @fedtrust/core/guard
 */
import { runPipeline } from './run-pipeline.js';
import type { Decision, GuardDeps, GuardInput } from './types.js';

/**
 * Decide whether the peer behind `input.connection` may run `input.verb` on
 * `input.resource`: identity → grant → status/expiry → subject/peer/certificate binding
 * (same tenant, certificate bound to this grant and peer, not revoked — a `revokedAt`
 * still ahead of the clock is a retiring certificate, valid until that instant — not past
 * its `notAfter`: a keep-alive connection outlives the handshake's validity check) → scope
 * (and, when `deps.catalogue` is given, the host's current catalogue: a granted resource it
 * withdrew, or now marks sensitive without the scope's approval, is `resource_not_granted`)
 * → host RBAC as the subject user → row cap and filter.
 *
 * Grant, peer and binding are read from the store on every call, so a revocation or
 * suspension takes effect on the very next request. Never rejects: a deny carries a stable
 * reason and the status from `DENY_STATUS`, and any error while deciding — including a
 * store record that answers for another id or serial, an invalid date, or a stored scope
 * `compileScope` refuses — is a deny with `decision_failed` (503). Records no trace;
 * `explainDecision` runs the same code with one.
 */
export function guard(input: GuardInput, deps: GuardDeps): Promise<Decision> {
  return runPipeline(input, deps);
}
