/**
 * `POST /fedtrust/v1/renew`: a peer whose current certificate the guard has just accepted
 * trades a CSR for a new certificate with the same identity, bound at this gateway before
 * the answer leaves; the certificate that asked is retired after a grace period, so only the
 * newest certificate of a peer can renew.
 *
 * @module @fedtrust/transport-undici
 */
import type { IncomingMessage } from 'node:http';
import {
  type AllowDecision,
  type CertificateAuthority,
  type CertificateBinding,
  type IssuedCertificate,
  isFedtrustError,
  readCsr,
} from '@fedtrust/core';
import type { EnrollResult, ErrorBody } from '../types.js';
import type { HandlerContext } from './create-federation-handler.js';
import { readJsonBody } from './read-json-body.js';
import { RENEWAL_ERRORS, type RenewalErrorCode } from './renewal-errors.js';

/** What the route answers and records; `serial` is the new certificate's once one was issued. */
export type RenewOutcome =
  | { status: 201; body: EnrollResult; serial: string; error?: undefined }
  | { status: number; body: ErrorBody; serial: string | null; error: string };

export interface RenewDeps {
  ca: CertificateAuthority;
  lifetimeSeconds?: number;
  /** Seconds the presenting certificate stays valid once the renewal succeeded. */
  retireAfterSeconds: number;
}

function failure(code: RenewalErrorCode, serial: string | null = null): RenewOutcome {
  const { status, remediation } = RENEWAL_ERRORS[code];
  return { status, body: { error: code, reason: remediation }, serial, error: code };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Whether `serial` is the newest certificate of its peer still free to renew: bound, never
 * stamped revoked (a retiring one has already been renewed), and no other such binding of
 * the peer is newer by `notBefore`, then by serial. Rejects if `serial` is not bound at all:
 * the guard has just seen it, so the store changed under us and the caller fails closed.
 */
async function isNewest(ctx: HandlerContext, peerId: string, serial: string): Promise<boolean> {
  const bindings = await ctx.store.listCertificateBindings({ peerId });
  const presented = bindings.find((binding) => binding.serial === serial);
  if (presented === undefined) throw new Error(`certificate ${serial} is no longer bound to peer ${peerId}`);
  if (presented.revokedAt !== null) return false;
  return bindings.every(
    (binding) => binding === presented || binding.revokedAt !== null || newer(presented, binding),
  );
}

/** Whether `a` was issued after `b`: later `notBefore`, or the same second and a larger serial. */
function newer(a: CertificateBinding, b: CertificateBinding): boolean {
  const byTime = a.notBefore.getTime() - b.notBefore.getTime();
  if (byTime !== 0) return byTime > 0;
  // Canonical serials are lower-case hex without leading zeros: longer is larger.
  if (a.serial.length !== b.serial.length) return a.serial.length > b.serial.length;
  return a.serial > b.serial;
}

/**
 * Renews the certificate of the peer `decision` allowed (the guard's identity, grant, status
 * and binding stages). Only the peer's newest unretired certificate may renew
 * (`renewal_superseded` otherwise, before the body is read). Checks the CSR — its
 * self-signature verifies and its only common name is the peer's registered name — then
 * issues through `deps.ca` with the grant's id and subject, and binds the new serial to the
 * peer and grant before answering, so the next request on the new certificate passes the
 * guard. The CSR may carry the current key or a fresh one: the request is authenticated by
 * the certificate it replaces.
 *
 * Then the presenting certificate is retired: `markCertificateRevoked(serial, now + grace)`,
 * one conditional write that exactly one caller wins. Renewals racing from one certificate
 * may all pass the newest check and all issue; only the one that retires the certificate
 * answers `201`, each other revokes the certificate it just issued and answers
 * `renewal_superseded`. So at most one renewal per certificate succeeds.
 *
 * Never throws for a bad request (4xx outcomes). If binding or retiring fails after
 * issuance the new certificate is revoked at the CA and marked revoked (`renewal_aborted`);
 * if that fails too, a durable compensation is recorded for core's `retryCompensations`
 * (`renewal_compensation_pending`; `renewal_compensation_failed` when even that write fails
 * and only the log names the serial) — whose enrollment-undo step leaves a peer of an active
 * grant untouched. Other errors (store reads, the body stream) reject, and the handler
 * answers them fail-closed.
 */
export async function serveRenew(
  ctx: HandlerContext,
  req: IncomingMessage,
  decision: AllowDecision,
  deps: RenewDeps,
): Promise<RenewOutcome> {
  const { grant } = decision;
  if (!(await isNewest(ctx, grant.peerId, decision.certSerial))) {
    ctx.logger.warn(
      'fedtrust: renewal refused: the certificate was renewed already or a newer one is bound',
      {
        grantId: grant.id,
        peerId: grant.peerId,
        serial: decision.certSerial,
      },
    );
    return failure('renewal_superseded');
  }
  let body: Record<string, unknown>;
  try {
    body = await readJsonBody(req, ctx.maxBodyBytes);
  } catch (error) {
    if (isFedtrustError(error)) {
      return {
        status: error.status,
        body: { error: error.code, reason: error.remediation },
        serial: null,
        error: error.code,
      };
    }
    throw error;
  }
  const { csrPem } = body;
  if (typeof csrPem !== 'string' || csrPem.length === 0) {
    return {
      status: 400,
      body: {
        error: 'body_invalid',
        reason: 'Send `{ "csrPem": "-----BEGIN CERTIFICATE REQUEST-----..." }`.',
      },
      serial: null,
      error: 'body_invalid',
    };
  }
  let commonNames: string[];
  try {
    commonNames = (await readCsr(csrPem)).commonNames;
  } catch (error) {
    if (isFedtrustError(error) && error.status === 400) return failure('renewal_csr_invalid');
    throw error;
  }
  const peer = await ctx.store.getPeer(grant.peerId);
  // The guard saw the peer active a moment ago; if that changed since, fail closed.
  if (peer === null || peer.status !== 'active') {
    throw new Error(`peer ${grant.peerId} is no longer active`);
  }
  if (commonNames.length !== 1 || commonNames[0] !== peer.name) return failure('renewal_csr_mismatch');

  let issued: IssuedCertificate;
  try {
    issued = await deps.ca.issue({
      csrPem,
      commonName: peer.name,
      grantId: grant.id,
      subjectUserId: grant.subjectUserId,
      ...(deps.lifetimeSeconds === undefined ? {} : { lifetimeSeconds: deps.lifetimeSeconds }),
    });
  } catch (error) {
    // A CA's own refusal (4xx, e.g. a key it does not accept) is safe to show as it is.
    if (isFedtrustError(error) && error.status < 500) {
      return {
        status: error.status,
        body: { error: error.code, reason: error.remediation },
        serial: null,
        error: error.code,
      };
    }
    ctx.logger.error('fedtrust: renewal issuance failed', { grantId: grant.id, error: message(error) });
    return failure('renewal_issue_failed');
  }

  try {
    await ctx.store.bindCertificate({
      serial: issued.serial,
      peerId: peer.id,
      grantId: grant.id,
      notBefore: issued.notBefore,
      notAfter: issued.notAfter,
      revokedAt: null,
    });
  } catch (error) {
    const undone = await undoIssued(ctx, deps.ca, decision, peer.id, issued.serial, {
      why: `could not bind the certificate: ${message(error)}`,
    });
    return failure(ABORTED[undone], issued.serial);
  }

  const retireAt = new Date(ctx.clock.now().getTime() + deps.retireAfterSeconds * 1000);
  let retired: boolean;
  try {
    retired = await ctx.store.markCertificateRevoked(decision.certSerial, retireAt);
  } catch (error) {
    const undone = await undoIssued(ctx, deps.ca, decision, peer.id, issued.serial, {
      why: `could not retire certificate ${decision.certSerial}: ${message(error)}`,
    });
    return failure(ABORTED[undone], issued.serial);
  }
  if (!retired) {
    // A concurrent renewal from the same certificate retired it first and keeps its own.
    await undoIssued(ctx, deps.ca, decision, peer.id, issued.serial, {
      why: `certificate ${decision.certSerial} was renewed concurrently`,
    });
    return failure('renewal_superseded', issued.serial);
  }
  ctx.logger.info('fedtrust: peer certificate renewed', {
    grantId: grant.id,
    peerId: peer.id,
    previousSerial: decision.certSerial,
    previousRetiresAt: retireAt.toISOString(),
    serial: issued.serial,
  });
  return {
    status: 201,
    serial: issued.serial,
    body: {
      certificatePem: issued.certificatePem,
      chainPem: issued.chainPem,
      serial: issued.serial,
      notAfter: issued.notAfter.toISOString(),
    },
  };
}

/** How far {@link undoIssued} got: revoked, left to `retryCompensations`, or only in the log. */
type Undone = 'revoked' | 'pending' | 'lost';

const ABORTED: Record<Undone, RenewalErrorCode> = {
  revoked: 'renewal_aborted',
  pending: 'renewal_compensation_pending',
  lost: 'renewal_compensation_failed',
};

/**
 * Undoes an issuance the renewal cannot hand out: revoke at the CA, then mark the binding
 * revoked now (it may exist: a bind that failed may have committed; a racing renewal's
 * certificate was bound). When either step fails, a durable compensation is recorded for
 * `retryCompensations`.
 */
async function undoIssued(
  ctx: HandlerContext,
  ca: CertificateAuthority,
  decision: AllowDecision,
  peerId: string,
  serial: string,
  cause: { why: string },
): Promise<Undone> {
  const reason = `renewal failed: ${cause.why}`;
  const details = { grantId: decision.grant.id, peerId, serial };
  try {
    await ca.revoke({ serial, reason });
    await ctx.store.markCertificateRevoked(serial, ctx.clock.now());
    ctx.logger.warn('fedtrust: renewal rolled back', { ...details, reason });
    return 'revoked';
  } catch (compensationError) {
    const id = ctx.random.uuid();
    try {
      await ctx.store.addCompensation({
        id,
        serial,
        grantId: decision.grant.id,
        peerId,
        reason,
        createdAt: ctx.clock.now(),
        attempts: 1,
        lastError: message(compensationError),
        resolvedAt: null,
      });
    } catch (recordError) {
      ctx.logger.error('fedtrust: renewal compensation lost: revoke this certificate by hand', {
        ...details,
        error: message(recordError),
      });
      return 'lost';
    }
    ctx.logger.error('fedtrust: renewal compensation pending', { ...details, compensationId: id });
    return 'pending';
  }
}
