/**
 * `CertificateAuthority.renew` against step-ca: `/1.0/renew` over mTLS with the certificate.
 *
 * @module @fedtrust/ca-stepca
 */
import 'reflect-metadata';
import { createPublicKey } from 'node:crypto';
import {
  CaError,
  type Identity,
  type IssuedCertificate,
  type RenewRequest,
  readIdentity,
} from '@fedtrust/core';
import { X509Certificate } from '@peculiar/x509';
import type { StepCaContext } from '../context.js';
import { StepCaError } from '../errors.js';
import { caRequest, refusal } from '../http/ca-request.js';
import { chainsToRoot } from '../verify/chains-to-root.js';
import { bytesEqual, verifyIssued } from '../verify/verify-issued.js';

/**
 * Renews a still-valid certificate: same key, same identity, new validity. The
 * certificate, its key and (when intermediates are included after the leaf) its chain are
 * checked before the call; the renewed leaf is verified like an issued one. A refusal
 * because the certificate is revoked is `ca_certificate_revoked`.
 */
export async function renew(ctx: StepCaContext, request: RenewRequest): Promise<IssuedCertificate> {
  const [leafPem, ...intermediatePems] = splitPem(request.certificatePem);
  let leaf: X509Certificate;
  let intermediates: X509Certificate[];
  try {
    leaf = new X509Certificate(leafPem ?? '');
    intermediates = intermediatePems.map((p) => new X509Certificate(p));
  } catch (error) {
    throw new CaError('ca_certificate_unknown', 'the certificate to renew is not a PEM X.509 certificate', {
      cause: error,
    });
  }
  const now = ctx.clock.now();
  if (leaf.notAfter.getTime() < now.getTime()) {
    throw new CaError('ca_certificate_expired', `the certificate expired at ${leaf.notAfter.toISOString()}`, {
      details: { notAfter: leaf.notAfter.toISOString() },
    });
  }
  const leafDer = new Uint8Array(leaf.rawData);
  if (intermediates.length > 0) {
    const problem = await chainsToRoot(
      leafDer,
      intermediates.map((c) => new Uint8Array(c.rawData)),
      ctx.rootDer,
      now,
    );
    if (problem !== null) {
      throw new CaError(
        'ca_certificate_unknown',
        `the certificate does not chain to the pinned root (${problem.message})`,
      );
    }
  }
  checkKey(leaf, request.privateKeyPem);
  let identity: Identity;
  try {
    identity = readIdentity(leafDer, ctx.arc);
  } catch (error) {
    throw new CaError('ca_certificate_unknown', 'the certificate carries no readable fedtrust identity', {
      cause: error,
    });
  }

  const dispatcher = ctx.clientDispatcher({
    certificatePem: request.certificatePem,
    privateKeyPem: request.privateKeyPem,
  });
  let response: Awaited<ReturnType<typeof caRequest>>;
  try {
    response = await caRequest(ctx.connection, 'POST', '/1.0/renew', { dispatcher });
  } catch (error) {
    // step-ca checks the client certificate during the handshake and answers with a TLS
    // alert (ERR_SSL_..._ALERT_...). Our own refusal of the CA's certificate (not under the
    // pinned root) also names a certificate, but says nothing about ours: ca_unreachable.
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    if (typeof code === 'string' && /^ERR_SSL_.*ALERT/.test(code)) {
      throw new CaError('ca_certificate_unknown', 'step-ca rejected the certificate in the TLS handshake', {
        cause: error,
      });
    }
    throw error;
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
  if (response.status === 401) {
    const provisioner = await ctx.provisioner().catch(() => null);
    if (provisioner?.claims.disableRenewal === true) {
      throw new StepCaError(
        'ca_policy_refused',
        'step-ca refused renewal: the provisioner disables renewal',
        {
          details: { caStatus: 401, provisioner: provisioner.name },
        },
      );
    }
    throw new CaError('ca_certificate_revoked', 'step-ca refused to renew the certificate: it is revoked', {
      details: { caStatus: 401, serial: leaf.serialNumber.toLowerCase() },
    });
  }
  if (response.status !== 201) throw refusal(response, ctx.connection, 'renew');
  const body = response.body as { crt?: unknown; certChain?: unknown } | null;
  const commonName = leaf.subjectName.getField('CN')[0] ?? '';
  return verifyIssued(
    { leaf: body?.crt, chain: body?.certChain },
    {
      identity,
      commonName,
      publicKey: new Uint8Array(leaf.publicKey.rawData),
      arc: ctx.arc,
      rootDer: ctx.rootDer,
      at: now,
      // step-ca renews for the old certificate's duration (less its backdating).
      maxLifetimeSeconds: (leaf.notAfter.getTime() - leaf.notBefore.getTime()) / 1000,
    },
  );
}

function checkKey(leaf: X509Certificate, privateKeyPem: string): void {
  let spki: Uint8Array;
  try {
    spki = new Uint8Array(createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' }));
  } catch (error) {
    throw new CaError('ca_key_mismatch', 'the private key is not a readable PEM key', { cause: error });
  }
  if (!bytesEqual(spki, new Uint8Array(leaf.publicKey.rawData))) {
    throw new CaError('ca_key_mismatch', 'the private key does not belong to the certificate');
  }
}

function splitPem(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}
