/**
 * Renewal through the serving gateway's own `POST /fedtrust/v1/renew`, over the current
 * mTLS connection.
 *
 * @module @fedtrust/transport-undici
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { IssuedCertificate } from '@fedtrust/core';
import type { RenewResult } from '../types.js';
import { certificateInfo } from './certificate-info.js';
import { FederationClientError } from './federation-client-error.js';
import { renewalCsr } from './renewal-csr.js';

/** Sends `{ csrPem }` to the peer's renew route and resolves with its JSON answer. */
export type RenewRequester = (csrPem: string) => Promise<unknown>;

function invalid(peer: string, why: string): FederationClientError {
  return new FederationClientError(peer, 502, 'peer_invalid_response', `answered a renewal that ${why}`);
}

/**
 * Renews `certificatePem` at the peer: builds a CSR with the same key, sends it through
 * `send` (authenticated by the current certificate), and checks the answer before anyone
 * uses it — a certificate that parses, whose public key is the one `privateKeyPem` holds
 * (otherwise the swapped Agent could not handshake), with a chain of PEM strings. The
 * serving gateway bound the new serial before answering. Rejects with the peer's
 * {@link FederationClientError} on a non-2xx answer and `peer_invalid_response` on a bad one.
 */
export async function renewOverRoute(
  peer: string,
  certificatePem: string,
  privateKeyPem: string,
  send: RenewRequester,
): Promise<IssuedCertificate> {
  const csrPem = await renewalCsr(certificatePem, privateKeyPem);
  const answer = (await send(csrPem)) as Partial<RenewResult>;
  if (
    typeof answer.certificatePem !== 'string' ||
    !Array.isArray(answer.chainPem) ||
    answer.chainPem.some((pem) => typeof pem !== 'string')
  ) {
    throw invalid(peer, 'is not the documented shape');
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(answer.certificatePem);
  } catch (error) {
    throw new FederationClientError(
      peer,
      502,
      'peer_invalid_response',
      'answered an unreadable certificate',
      {
        cause: error,
      },
    );
  }
  if (!certificate.checkPrivateKey(createPrivateKey(privateKeyPem))) {
    throw invalid(peer, 'certifies another key than the one in the request');
  }
  return {
    certificatePem: answer.certificatePem,
    chainPem: answer.chainPem,
    ...certificateInfo(certificate),
  };
}
