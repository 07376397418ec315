/**
 * A live check that the provisioner's template refuses a token without the identity claims.
 *
 * @module @fedtrust/ca-stepca
 */
import 'reflect-metadata';
import { encodeIdentity, isFedtrustError } from '@fedtrust/core';
import { PemConverter, Pkcs10CertificateRequestGenerator, X509Certificate } from '@peculiar/x509';
import { STEP_CA_DEFAULT_LIFETIME, type StepCaContext, tokenId } from '../context.js';
import { caMessage, caRequest, refusal } from '../http/ca-request.js';
import { createToken, GRANT_ID_CLAIM, SUBJECT_USER_ID_CLAIM } from '../token/create-token.js';
import { revoke } from './revoke.js';

/** What `StepCa.probeTemplateGuards()` observed. */
export interface TemplateGuardProbe {
  /** The CA refused to sign the probe. */
  refused: boolean;
  /** Every probe was refused by the `fail` guard `templateFor` writes, naming the claim it lacked. */
  refusedByGuard: boolean;
  /** step-ca's HTTP status and message. */
  caStatus: number;
  caMessage: string;
}

/** Common name of the throwaway probe certificate request. */
export const PROBE_COMMON_NAME = 'fedtrust-doctor-probe';

/** A well-formed identity value for the claim a probe keeps (the guard must reject only the missing one). */
const PROBE_UUID = '00000000-0000-4000-8000-000000000000';

/**
 * Sends `/1.0/sign` throwaway CSRs with valid provisioner tokens that each lack one identity
 * claim (the grant id, then the subject user id), for the shortest lifetime the provisioner
 * allows. A provisioner configured with `templateFor(arc)` refuses both, each with the guard
 * message naming the missing claim (`refusedByGuard`); one without a guard issues a
 * certificate without the extension — that certificate is revoked at once (best effort) and
 * the probe reports `refused: false`. Credential and clock refusals (401) and an unreachable
 * CA reject with the same typed errors as `issue`.
 */
export async function probeTemplateGuards(ctx: StepCaContext): Promise<TemplateGuardProbe> {
  const encoded = encodeIdentity({ grantId: PROBE_UUID, subjectUserId: PROBE_UUID }, ctx.arc);
  const probes: [string, string][] = [
    [GRANT_ID_CLAIM, SUBJECT_USER_ID_CLAIM],
    [SUBJECT_USER_ID_CLAIM, GRANT_ID_CLAIM],
  ];
  let first: TemplateGuardProbe | null = null;
  for (const [missing, kept] of probes) {
    const probe = await probeWithout(ctx, missing, {
      [kept]: kept === GRANT_ID_CLAIM ? encoded.grantId.base64 : encoded.subjectUserId.base64,
    });
    if (!probe.refusedByGuard) return probe;
    first ??= probe;
  }
  return first as TemplateGuardProbe;
}

async function probeWithout(
  ctx: StepCaContext,
  missing: string,
  claims: Record<string, string>,
): Promise<TemplateGuardProbe> {
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
    claims,
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
    // The guard's own message, naming the claim this probe left out.
    refusedByGuard: message.includes(`fedtrust: the token claim ${missing} `),
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
