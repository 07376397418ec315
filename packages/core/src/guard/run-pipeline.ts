/**
 * The one implementation of the inbound pipeline, shared by `guard` and `explainDecision`.
 *
 * @module @fedtrust/core/guard
 */
import { DENY_STATUS, type DenyReason } from '../errors/deny-reasons.js';
import { isFedtrustError, StoreError } from '../errors/fedtrust-error.js';
import { evaluate, scopeDenyClause } from '../scope/evaluate.js';
import { catalogueWithdrawal, withdrawalClause, withdrawalDetail } from './catalogue-withdrawal.js';
import { compiledScopeFor } from './compiled-scope-cache.js';
import type { Decision, DenyDecision, GuardDeps, GuardInput, GuardStage } from './types.js';

/**
 * Receives each stage's outcome as the pipeline runs. Only `explainDecision` passes one;
 * every call site uses `trace?.…(…)`, so on the hot path nothing is built. Details and
 * clauses are thunks the recorder evaluates itself: formatting a corrupt record (an invalid
 * `revokedAt`) may throw there, but never inside the pipeline, so an explanation cannot
 * reach another decision than `guard`.
 */
export interface TraceRecorder {
  pass(stage: GuardStage, detail: () => string): void;
  deny(stage: GuardStage, detail: () => string, clause: () => string): void;
}

/**
 * Decide one request. Never rejects: any error thrown by the store, the clock, the host's
 * authorizer or a corrupt record is answered with `decision_failed` (503) — fail closed.
 * Records are checked against what was asked for (a grant for another id, a peer for another
 * id, a binding for another serial, an invalid date) rather than trusted.
 */
export async function runPipeline(
  input: GuardInput,
  deps: GuardDeps,
  trace?: TraceRecorder,
): Promise<Decision> {
  const { connection, verb } = input;
  const resource = verb === 'capabilities' ? null : (input.resource ?? null);
  let stage: GuardStage = 'identity';
  try {
    if (!connection.ok) {
      trace?.deny(
        stage,
        () => `the client certificate has no readable identity (${connection.reason})`,
        () => `connection.reason=${connection.reason}`,
      );
      return denyDecision(input, resource, connection.reason, stage);
    }
    const { certSerial } = connection;
    const { grantId, subjectUserId } = connection.identity;
    trace?.pass(stage, () => `certificate ${certSerial} names grant ${grantId} and subject ${subjectUserId}`);

    stage = 'grant';
    const grant = await deps.store.getGrant(grantId);
    if (grant === null) {
      trace?.deny(
        stage,
        () => `no grant ${grantId} in the store`,
        () => `grant.id=${grantId}`,
      );
      return denyDecision(input, resource, 'grant_unknown', stage);
    }
    if (grant.id !== grantId) throw corrupt(`getGrant(${grantId}) answered grant ${String(grant.id)}`);
    trace?.pass(stage, () => `grant ${grant.id} of tenant ${grant.tenantId}, peer ${grant.peerId}`);

    stage = 'grant_status';
    const now = deps.clock.now();
    if (!isValidDate(now)) throw new Error('the clock answered an invalid date');
    if (grant.status === 'pending') {
      trace?.deny(
        stage,
        () => 'the grant is still pending',
        () => 'grant.status=pending',
      );
      return denyDecision(input, resource, 'grant_pending', stage);
    }
    if (grant.status === 'revoked') {
      trace?.deny(
        stage,
        () => `the grant was revoked at ${grant.revokedAt?.toISOString() ?? 'an unknown time'}`,
        () => 'grant.status=revoked',
      );
      return denyDecision(input, resource, 'grant_revoked', stage);
    }
    if (grant.status !== 'active') throw corrupt(`grant ${grant.id} has an unknown status`);
    const { expiresAt } = grant;
    // An invalid date compares false with everything, so it would never expire: refuse it.
    if (expiresAt !== null && !isValidDate(expiresAt)) {
      throw corrupt(`grant ${grant.id} has an invalid expiresAt`);
    }
    if (expiresAt !== null && expiresAt.getTime() <= now.getTime()) {
      trace?.deny(
        stage,
        () => `the grant expired at ${expiresAt.toISOString()} (now ${now.toISOString()})`,
        () => `grant.expiresAt=${expiresAt.toISOString()}`,
      );
      return denyDecision(input, resource, 'grant_expired', stage);
    }
    trace?.pass(
      stage,
      () => `active, ${expiresAt === null ? 'no expiry' : `expires ${expiresAt.toISOString()}`}`,
    );

    stage = 'binding';
    if (subjectUserId !== grant.subjectUserId) {
      trace?.deny(
        stage,
        () => `the certificate names subject ${subjectUserId}, the grant ${grant.subjectUserId}`,
        () => `grant.subjectUserId=${grant.subjectUserId}`,
      );
      return denyDecision(input, resource, 'subject_mismatch', stage);
    }
    // Both reads need only what is already known; running them together saves a round trip.
    // Both are started before either is awaited (what Promise.all would do, without its
    // arrays and extra promise); the second read's rejection is observed at once, so it is
    // never unhandled while the first is awaited, and still thrown below.
    const pendingPeer = deps.store.getPeer(grant.peerId);
    const pendingBinding = deps.store.getCertificateBinding(certSerial);
    if (isThenable(pendingBinding)) pendingBinding.then(undefined, ignore);
    const peer = await pendingPeer;
    const binding = await pendingBinding;
    if (peer === null) {
      trace?.deny(
        stage,
        () => `the grant's peer ${grant.peerId} does not exist`,
        () => `peer.id=${grant.peerId}`,
      );
      return denyDecision(input, resource, 'cert_not_bound', stage);
    }
    if (peer.id !== grant.peerId) throw corrupt(`getPeer(${grant.peerId}) answered peer ${String(peer.id)}`);
    if (peer.tenantId !== grant.tenantId) {
      trace?.deny(
        stage,
        () => `peer ${peer.name} belongs to tenant ${peer.tenantId}, the grant to ${grant.tenantId}`,
        () => `peer.tenantId=${peer.tenantId}`,
      );
      return denyDecision(input, resource, 'cert_not_bound', stage);
    }
    if (peer.status === 'suspended') {
      trace?.deny(
        stage,
        () => `peer ${peer.name} is suspended`,
        () => 'peer.status=suspended',
      );
      return denyDecision(input, resource, 'peer_suspended', stage);
    }
    if (peer.status === 'revoked') {
      trace?.deny(
        stage,
        () => `peer ${peer.name} is revoked`,
        () => 'peer.status=revoked',
      );
      return denyDecision(input, resource, 'peer_revoked', stage);
    }
    if (peer.status === 'pending') {
      trace?.deny(
        stage,
        () => `peer ${peer.name} has not finished enrollment`,
        () => 'peer.status=pending',
      );
      return denyDecision(input, resource, 'cert_not_bound', stage);
    }
    if (peer.status !== 'active') throw corrupt(`peer ${peer.id} has an unknown status`);
    if (binding === null) {
      trace?.deny(
        stage,
        () => `no certificate with serial ${certSerial} is bound to any peer`,
        () => `binding.serial=${certSerial}`,
      );
      return denyDecision(input, resource, 'cert_not_bound', stage);
    }
    if (binding.serial !== certSerial) {
      throw corrupt(`getCertificateBinding(${certSerial}) answered serial ${String(binding.serial)}`);
    }
    const { revokedAt, notAfter } = binding;
    // A revocation time still ahead is a retiring certificate (renewed, kept for requests in
    // flight): valid until then. One that is not a readable date still revokes.
    if (revokedAt !== null && (!isValidDate(revokedAt) || revokedAt.getTime() <= now.getTime())) {
      trace?.deny(
        stage,
        () => `certificate ${certSerial} was revoked at ${revokedAt.toISOString()}`,
        () => `binding.revokedAt=${revokedAt.toISOString()}`,
      );
      return denyDecision(input, resource, 'cert_not_bound', stage);
    }
    if (!isValidDate(notAfter)) throw corrupt(`certificate ${certSerial} has an invalid notAfter`);
    // TLS checked validity at the handshake only; a keep-alive connection outlives it.
    if (notAfter.getTime() <= now.getTime()) {
      trace?.deny(
        stage,
        () => `certificate ${certSerial} expired at ${notAfter.toISOString()}`,
        () => `binding.notAfter=${notAfter.toISOString()}`,
      );
      return denyDecision(input, resource, 'cert_not_bound', stage);
    }
    if (binding.grantId !== grant.id) {
      trace?.deny(
        stage,
        () => `certificate ${certSerial} is bound to grant ${binding.grantId}`,
        () => `binding.grantId=${binding.grantId}`,
      );
      return denyDecision(input, resource, 'cert_not_bound', stage);
    }
    if (binding.peerId !== grant.peerId) {
      trace?.deny(
        stage,
        () => `certificate ${certSerial} is bound to peer ${binding.peerId}`,
        () => `binding.peerId=${binding.peerId}`,
      );
      return denyDecision(input, resource, 'cert_not_bound', stage);
    }
    trace?.pass(
      stage,
      () =>
        `subject matches, peer ${peer.name} is active, certificate ${certSerial} is bound to it` +
        (revokedAt === null ? '' : ` (retiring at ${revokedAt.toISOString()})`),
    );

    stage = 'scope';
    const compiled = compiledScopeFor(deps.store, grant);
    const evaluation = evaluate(compiled, { verb, resource });
    // Only a resource the scope grants (an allow, or a verb question about it) can be
    // withdrawn, so the scope's own resource_excluded / resource_not_granted come first.
    if (
      deps.catalogue !== undefined &&
      resource !== null &&
      (evaluation.allow || evaluation.reason === 'verb_not_allowed')
    ) {
      const withdrawal = catalogueWithdrawal(deps.catalogue, compiled.scope, resource);
      if (withdrawal !== null) {
        trace?.deny(
          stage,
          () => withdrawalDetail(withdrawal, resource),
          () => withdrawalClause(withdrawal, resource),
        );
        return denyDecision(input, resource, 'resource_not_granted', stage);
      }
    }
    if (!evaluation.allow) {
      trace?.deny(
        stage,
        () => `the scope denies ${verb} on ${resource ?? '(no resource)'}: ${evaluation.reason}`,
        () => scopeDenyClause(compiled, evaluation, resource),
      );
      return denyDecision(input, resource, evaluation.reason, stage);
    }
    trace?.pass(stage, () =>
      verb === 'capabilities'
        ? 'capabilities is always allowed for an active grant'
        : `the scope allows ${verb} on ${resource}`,
    );

    stage = 'rbac';
    if (verb === 'capabilities') {
      trace?.pass(stage, () => 'not asked: capabilities returns no rows');
    } else {
      const answer = deps.authorize({
        tenantId: grant.tenantId,
        subjectUserId: grant.subjectUserId,
        verb,
        resource: resource as string,
        ...(input.id === undefined ? {} : { id: input.id }),
      });
      // A synchronous answer is used as is; only a promise costs a turn of the queue.
      const allowed = isThenable(answer) ? await answer : answer;
      // Anything but a literal true denies: a host returning undefined by mistake must not admit.
      if (allowed !== true) {
        trace?.deny(
          stage,
          () => `the host does not let subject ${grant.subjectUserId} ${verb} ${resource}`,
          () => `authorize(${grant.subjectUserId}, ${verb}, ${resource})=${String(allowed)}`,
        );
        return denyDecision(input, resource, 'rbac_denied', stage);
      }
      trace?.pass(stage, () => `the host lets subject ${grant.subjectUserId} ${verb} ${resource}`);
    }

    stage = 'row_cap';
    trace?.pass(stage, () =>
      evaluation.filter === null
        ? `at most ${evaluation.rowCap} rows, no filter`
        : `at most ${evaluation.rowCap} rows, filter ${JSON.stringify(evaluation.filter)}`,
    );
    return {
      allow: true,
      status: 200,
      grant,
      identity: connection.identity,
      certSerial,
      verb,
      resource,
      rowCap: evaluation.rowCap,
      filter: evaluation.filter,
    };
  } catch (error) {
    trace?.deny(
      stage,
      () => `could not decide, denied to stay safe: ${describe(error)}`,
      () => `error=${isFedtrustError(error) ? error.code : 'exception'}`,
    );
    return denyDecision(input, resource, 'decision_failed', stage);
  }
}

function denyDecision(
  input: GuardInput,
  resource: string | null,
  reason: DenyReason,
  stage: GuardStage,
): DenyDecision {
  const { connection } = input;
  return {
    allow: false,
    status: DENY_STATUS[reason],
    reason,
    stage,
    grantId: connection.ok ? connection.identity.grantId : null,
    subject: connection.ok ? connection.identity.subjectUserId : null,
    certSerial: connection.certSerial,
    verb: input.verb,
    resource,
  };
}

/** A stored record contradicts the lookup that returned it or is unreadable: the store is wrong, not the peer. */
function corrupt(why: string): StoreError {
  return new StoreError(`The store answered an inconsistent record: ${why}.`);
}

function ignore(): void {}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

function describe(error: unknown): string {
  if (isFedtrustError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
