/**
 * `POST /fedtrust/v1/enroll`: a peer without a certificate trades a single-use enrollment
 * token and a CSR for its client certificate, through core's `enrollPeer` saga.
 *
 * @module @fedtrust/transport-undici
 */
import type { IncomingMessage } from 'node:http';
import { type CertificateAuthority, enrollPeer, isFedtrustError } from '@fedtrust/core';
import type { EnrollResult, ErrorBody } from '../types.js';
import type { HandlerContext } from './create-federation-handler.js';
import { readJsonBody } from './read-json-body.js';

/** What the route answers and records; `grantId`/`serial` are known only on success. */
export type EnrollOutcome =
  | { status: 201; body: EnrollResult; grantId: string; serial: string; error?: undefined }
  | { status: number; body: ErrorBody; grantId: null; serial: null; error: string };

function failure(status: number, error: string, reason: string): EnrollOutcome {
  return { status, body: { error, reason }, grantId: null, serial: null, error };
}

/**
 * Runs one enrollment. Never throws: a bad body is 400, the saga's typed errors keep their
 * status and code (410 for a used or expired token, 404 for an unknown one), anything else
 * is 503 `enrollment_failed`.
 * The token is never logged; at most the saga's 8-character prefix is.
 */
export async function serveEnroll(
  ctx: HandlerContext,
  req: IncomingMessage,
  ca: CertificateAuthority,
): Promise<EnrollOutcome> {
  let body: Record<string, unknown>;
  try {
    body = await readJsonBody(req, ctx.maxBodyBytes);
  } catch (error) {
    if (isFedtrustError(error)) return failure(error.status, error.code, error.remediation);
    throw error;
  }
  const { token, csrPem } = body;
  if (typeof token !== 'string' || typeof csrPem !== 'string' || token.length === 0 || csrPem.length === 0) {
    return failure(
      400,
      'body_invalid',
      'Send `{ "token": "...", "csrPem": "-----BEGIN CERTIFICATE REQUEST-----..." }`.',
    );
  }
  try {
    const enrolled = await enrollPeer(
      { token, csrPem },
      { store: ctx.store, ca, clock: ctx.clock, random: ctx.random, logger: ctx.logger },
    );
    return {
      status: 201,
      grantId: enrolled.grant.id,
      serial: enrolled.serial,
      body: {
        certificatePem: enrolled.certificatePem,
        chainPem: enrolled.chainPem,
        serial: enrolled.serial,
        notAfter: enrolled.notAfter.toISOString(),
      },
    };
  } catch (error) {
    // The saga's own codes (and the CA's 4xx) are safe to show; anything else is summarised.
    if (isFedtrustError(error) && (error.status < 500 || error.code.startsWith('enrollment_'))) {
      return failure(error.status, error.code, error.remediation);
    }
    ctx.logger.error('fedtrust: enrollment failed', {
      error: isFedtrustError(error) ? error.code : error instanceof Error ? error.message : String(error),
    });
    return failure(503, 'enrollment_failed', 'Retry later; the gateway could not complete enrollment.');
  }
}
