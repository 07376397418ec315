/**
 * `CertificateAuthority.roots` and `health` against step-ca.
 *
 * @module @fedtrust/ca-stepca
 */
import 'reflect-metadata';
import type { CaHealth } from '@fedtrust/core';
import { X509Certificate } from '@peculiar/x509';
import type { StepCaContext } from '../context.js';
import { StepCaError } from '../errors.js';
import { caMessage, caRequest } from '../http/ca-request.js';
import { bytesEqual } from '../verify/verify-issued.js';

/**
 * The CA's roots (`/roots`), pinned root first. Fails with `ca_verification_failed` when
 * the CA does not list the root fedtrust pins: peers would otherwise be told to trust a
 * root this gateway never verified.
 */
export async function roots(ctx: StepCaContext): Promise<string[]> {
  const response = await caRequest(ctx.connection, 'GET', '/1.0/roots');
  // step-ca answers /roots with 201 Created.
  if (response.status !== 200 && response.status !== 201) {
    throw new StepCaError('ca_unreachable', `step-ca did not list its roots: ${caMessage(response)}`, {
      details: { caStatus: response.status },
    });
  }
  const listed = (response.body as { crts?: unknown } | null)?.crts;
  const pems = Array.isArray(listed) ? listed.filter((p): p is string => typeof p === 'string') : [];
  let certificates: X509Certificate[];
  try {
    certificates = pems.map((p) => new X509Certificate(p));
  } catch (error) {
    throw new StepCaError('ca_verification_failed', 'step-ca listed a root that cannot be parsed', {
      cause: error,
    });
  }
  const pinned = certificates.find((c) => bytesEqual(new Uint8Array(c.rawData), ctx.rootDer));
  if (pinned === undefined) {
    throw new StepCaError('ca_verification_failed', 'step-ca does not list the pinned root among its roots', {
      details: { listed: certificates.length },
    });
  }
  return [pinned, ...certificates.filter((c) => c !== pinned)].map((c) => c.toString('pem'));
}

/** `/health` over the pinned connection. Never throws: an unreachable CA is `{ ok: false }` with the reason. */
export async function health(ctx: StepCaContext): Promise<CaHealth> {
  try {
    const response = await caRequest(ctx.connection, 'GET', '/health');
    const status = (response.body as { status?: unknown } | null)?.status;
    if (response.status === 200 && status === 'ok') return { ok: true };
    return { ok: false, detail: `step-ca answered ${response.status}: ${caMessage(response)}` };
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}
