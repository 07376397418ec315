/**
 * `CertificateAuthority.revoke` against step-ca: a JWK one-time token and `/1.0/revoke`.
 *
 * @module @fedtrust/ca-stepca
 */
import { CaError, isFedtrustError, type RevokeRequest } from '@fedtrust/core';
import { type StepCaContext, tokenId } from '../context.js';
import { caMessage, caRequest, refusal } from '../http/ca-request.js';
import { createToken } from '../token/create-token.js';

/**
 * Revokes a serial (lower-case hex, as `IssuedCertificate.serial`). Idempotent: revoking
 * an already revoked serial succeeds, so compensations can retry safely. step-ca records
 * revocation passively (renewal is refused from then on); it publishes no CRL.
 */
export async function revoke(ctx: StepCaContext, request: RevokeRequest): Promise<void> {
  if (!/^[0-9a-f]+$/.test(request.serial)) {
    throw new CaError('ca_serial_invalid', `"${request.serial}" is not a lower-case hex serial`, {
      details: { serial: request.serial },
    });
  }
  // step-ca keys revocations by the decimal serial (Go's big.Int String()).
  const decimal = BigInt(`0x${request.serial}`).toString(10);
  const provisioner = await ctx.provisioner();
  const ott = await createToken({
    provisioner,
    audience: `${ctx.connection.url}/1.0/revoke`,
    subject: decimal,
    now: ctx.clock.now(),
    jti: tokenId(ctx.random),
    rootFingerprint: ctx.rootFingerprint,
  });
  const response = await caRequest(ctx.connection, 'POST', '/1.0/revoke', {
    json: { serial: decimal, ott, reasonCode: 0, reason: request.reason ?? '', passive: true },
  });
  if (response.status === 200) return;
  if (response.status === 400 && /already revoked/.test(caMessage(response))) return;
  const error = refusal(response, ctx.connection, 'revoke');
  if (isFedtrustError(error) && error.code === 'ca_bad_credentials') ctx.forgetProvisioner();
  throw error;
}
