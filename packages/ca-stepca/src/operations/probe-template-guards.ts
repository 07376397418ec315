/**
 * A live check that the provisioner's template refuses a token without the identity claims.
 *
 * @module @fedtrust/ca-stepca
 */
import 'reflect-metadata';
import { isFedtrustError } from '@fedtrust/core';
import { PemConverter, Pkcs10CertificateRequestGenerator, X509Certificate } from '@peculiar/x509';
import { STEP_CA_DEFAULT_LIFETIME, type StepCaContext, tokenId } from '../context.js';
import { caMessage, caRequest, refusal } from '../http/ca-request.js';
import { createToken, SUBJECT_USER_ID_CLAIM } from '../token/create-token.js';
import { revoke } from './revoke.js';

/** What {@link probeTemplateGuards} observed. */
export interface TemplateGuardProbe {
  /** The CA refused to sign the probe. */
  refused: boolean;
  /** The refusal came from the `fail` guard `templateFor` writes (its message names the claim). */
  refusedByGuard: boolean;
  /** step-ca's HTTP status and message. */
  caStatus: number;
  caMessage: string;
}

/** Common name of the throwaway probe certificate request. */
export const PROBE_COMMON_NAME = 'fedtrust-doctor-probe';

/**
 * Sends `/1.0/sign` a fresh throwaway CSR with a valid provisioner token that deliberately
 * lacks the grant-id claim, for the shortest lifetime the provisioner allows. A provisioner
 * configured with `templateFor(arc)` refuses it (`refusedByGuard`); one without the guards
 * issues a certificate without the identity extension — that certificate is revoked at once
 * (best effort) and the probe reports `refused: false`. Credential and clock refusals (401)
 * and an unreachable CA reject with the same typed errors as `issue`.
 */
export async function probeTemplateGuards(ctx: StepCaContext): Promise<TemplateGuardProbe> {
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ]);
  const csr = await Pkcs10CertificateRequestGenerator.create({
    name: `CN=${PROBE_COMMON_NAME}`,
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  const provisioner = await ctx.provisioner();
  const lifetime =
    ctx.lifetime.minSeconds ?? provisioner.claims.minSeconds ?? STEP_CA_DEFAULT_LIFETIME.minSeconds;
  const ott = await createToken({
    provisioner,
    audience: `${ctx.connection.url}/1.0/sign`,
    subject: PROBE_COMMON_NAME,
    sans: [PROBE_COMMON_NAME],
    now: ctx.clock.now(),
    jti: tokenId(ctx.random),
    rootFingerprint: ctx.rootFingerprint,
    // Only the subject claim: the grant-id claim is what the guard must miss.
    claims: { [SUBJECT_USER_ID_CLAIM]: Buffer.from('probe').toString('base64') },
  });
  const response = await caRequest(ctx.connection, 'POST', '/1.0/sign', {
    json: { csr: csr.toString('pem'), ott, notAfter: `${lifetime}s` },
  });
  const message = caMessage(response);
  if (response.status === 201) {
    await revokeProbe(ctx, (response.body as { crt?: unknown } | null)?.crt);
    return { refused: false, refusedByGuard: false, caStatus: response.status, caMessage: message };
  }
  if (response.status === 401) {
    const error = refusal(response, ctx.connection, 'sign');
    if (isFedtrustError(error) && error.code === 'ca_bad_credentials') ctx.forgetProvisioner();
    throw error;
  }
  return {
    refused: true,
    refusedByGuard: /fedtrust: the token claim/.test(message),
    caStatus: response.status,
    caMessage: message,
  };
}

async function revokeProbe(ctx: StepCaContext, crt: unknown): Promise<void> {
  try {
    if (typeof crt !== 'string') return;
    const serial = new X509Certificate(PemConverter.decodeFirst(crt)).serialNumber
      .toLowerCase()
      .replace(/^(00)+/, '');
    await revoke(ctx, { serial, reason: 'fedtrust doctor probe' });
  } catch {
    // The probe's verdict stands either way; a leftover probe certificate carries no identity.
  }
}
