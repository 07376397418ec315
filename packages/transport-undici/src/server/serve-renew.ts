/**
 * `POST /fedtrust/v1/renew`: a peer whose current certificate the guard has just accepted
 * trades a CSR for a new certificate with the same identity, bound at this gateway before
 * the answer leaves.
 *
 * @module @fedtrust/transport-undici
 */
import type { IncomingMessage } from 'node:http';
import {
  type AllowDecision,
  type CertificateAuthority,
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
}

function failure(code: RenewalErrorCode, serial: string | null = null): RenewOutcome {
  const { status, remediation } = RENEWAL_ERRORS[code];
  return { status, body: { error: code, reason: remediation }, serial, error: code };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Renews the certificate of the peer `decision` allowed (the guard's identity, grant, status
 * and binding stages). Checks the CSR — its self-signature verifies and its only common name
 * is the peer's registered name — then issues through `deps.ca` with the grant's id and
 * subject, and binds the new serial to the peer and grant before answering, so the next
 * request on the new certificate passes the guard. The CSR may carry the current key or a
 * fresh one: the request is authenticated by the certificate it replaces.
 *
 * Never throws for a bad request (4xx outcomes). If binding fails after issuance the new
 * certificate is revoked at the CA and marked revoked (`renewal_aborted`); if that fails too,
 * a durable compensation is recorded for core's `retryCompensations`
 * (`renewal_compensation_pending`; `renewal_compensation_failed` when even that write fails
 * and only the log names the serial) — whose enrollment-undo step leaves a peer of an active
 * grant untouched. The current certificate is never touched. Other errors (store reads,
 * the body stream) reject, and the handler answers them fail-closed.
 */
export async function serveRenew(
  ctx: HandlerContext,
  req: IncomingMessage,
  decision: AllowDecision,
  deps: RenewDeps,
): Promise<RenewOutcome> {
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
  const { grant } = decision;
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
    return compensate(ctx, deps.ca, decision, peer.id, issued.serial, message(error));
  }
  ctx.logger.info('fedtrust: peer certificate renewed', {
    grantId: grant.id,
    peerId: peer.id,
    previousSerial: decision.certSerial,
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

/**
 * Undoes an issuance whose binding failed: revoke at the CA, then mark the binding revoked
 * in case the failed write did commit (the guard denies a revoked binding). When either step
 * fails, a durable compensation is recorded for `retryCompensations`.
 */
async function compensate(
  ctx: HandlerContext,
  ca: CertificateAuthority,
  decision: AllowDecision,
  peerId: string,
  serial: string,
  cause: string,
): Promise<RenewOutcome> {
  const reason = `renewal failed: could not bind the certificate: ${cause}`;
  const details = { grantId: decision.grant.id, peerId, serial };
  try {
    await ca.revoke({ serial, reason });
    await ctx.store.markCertificateRevoked(serial, ctx.clock.now());
    ctx.logger.warn('fedtrust: renewal rolled back', { ...details, reason });
    return failure('renewal_aborted', serial);
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
      return failure('renewal_compensation_failed', serial);
    }
    ctx.logger.error('fedtrust: renewal compensation pending', { ...details, compensationId: id });
    return failure('renewal_compensation_pending', serial);
  }
}
