/**
 * What the local CA checks in a PKCS#10 request before certifying its key.
 *
 * @module @fedtrust/ca-local
 */
import 'reflect-metadata';
import { CaError } from '@fedtrust/core';
import * as x509 from '@peculiar/x509';
import { verifyParamsFor } from './crypto.js';

/** SHA-1 (and anything weaker) is refused: a CSR's signature must not be open to collisions. */
const SIGNATURE_HASHES = new Set(['SHA-256', 'SHA-384', 'SHA-512']);

/**
 * Parses `csrPem`, verifies its self-signature (`ca_csr_invalid` otherwise), accepts only
 * ECDSA P-256/P-384, Ed25519 or RSA ≥ 2048 keys (public exponent odd, ≥ 65537) signed with
 * SHA-2 or Ed25519, and requires exactly one common name equal
 * to `commonName` (`ca_csr_mismatch` otherwise). Returns the key to certify.
 */
export async function checkCsr(csrPem: string, commonName: string): Promise<x509.PublicKey> {
  let csr: x509.Pkcs10CertificateRequest;
  let signed: boolean;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
    signed = await csr.verify();
  } catch (error) {
    throw new CaError('ca_csr_invalid', 'The CSR is not a readable PKCS#10 request.', { cause: error });
  }
  if (!signed) {
    throw new CaError('ca_csr_invalid', 'The CSR signature does not verify with the key it carries.');
  }
  if (!verifyParamsFor(csr.publicKey.algorithm)) {
    throw new CaError('ca_csr_invalid', 'The CSR key type is not accepted (use ECDSA P-256).', {
      details: { algorithm: csr.publicKey.algorithm.name },
    });
  }
  const signature = csr.signatureAlgorithm as { name?: string; hash?: string | { name?: string } };
  const hash = typeof signature.hash === 'string' ? signature.hash : signature.hash?.name;
  if (signature.name !== 'Ed25519' && !SIGNATURE_HASHES.has(hash ?? '')) {
    throw new CaError(
      'ca_csr_invalid',
      'The CSR is signed with a hash the CA does not accept (use SHA-256).',
      {
        details: { hash: hash ?? null },
      },
    );
  }
  const names = csr.subjectName.getField('CN');
  if (names.length !== 1 || names[0] !== commonName) {
    throw new CaError(
      'ca_csr_mismatch',
      'The CSR common name is not the name this certificate is issued for.',
      {
        details: { expected: commonName, received: names },
      },
    );
  }
  return csr.publicKey;
}
