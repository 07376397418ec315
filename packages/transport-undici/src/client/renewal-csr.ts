/**
 * The CSR a client sends to renew: the current certificate's common name, signed with the
 * current key.
 *
 * @module @fedtrust/transport-undici
 */
import 'reflect-metadata';
import { createPrivateKey, createPublicKey, type KeyObject, type webcrypto } from 'node:crypto';
import { FedtrustError } from '@fedtrust/core';
import * as x509 from '@peculiar/x509';

interface KeyAlgorithms {
  importParams: webcrypto.AlgorithmIdentifier | webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams;
  signingAlgorithm: webcrypto.AlgorithmIdentifier | webcrypto.EcdsaParams;
}

/** Curve name as node reports it → WebCrypto curve and the hash that matches its strength. */
const CURVES: Record<string, { namedCurve: string; hash: string }> = {
  prime256v1: { namedCurve: 'P-256', hash: 'SHA-256' },
  secp384r1: { namedCurve: 'P-384', hash: 'SHA-384' },
  secp521r1: { namedCurve: 'P-521', hash: 'SHA-512' },
};

function unsupported(why: string): FedtrustError {
  return new FedtrustError('renewal_key_unsupported', `Cannot build a renewal request: ${why}.`, {
    status: 500,
    remediation: 'Use an ECDSA (P-256/384/521), RSA or Ed25519 client key, as enrollment does.',
  });
}

function algorithmsOf(key: KeyObject): KeyAlgorithms {
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
      if (curve === undefined) throw unsupported('the elliptic curve is not P-256, P-384 or P-521');
      return {
        importParams: { name: 'ECDSA', namedCurve: curve.namedCurve },
        signingAlgorithm: { name: 'ECDSA', hash: curve.hash },
      };
    }
    case 'rsa': {
      const params = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
      return { importParams: params, signingAlgorithm: params };
    }
    case 'ed25519':
      return { importParams: { name: 'Ed25519' }, signingAlgorithm: { name: 'Ed25519' } };
    default:
      throw unsupported(`the key type ${key.asymmetricKeyType ?? 'unknown'} is not supported`);
  }
}

/**
 * Builds a PEM PKCS#10 request for renewing `certificatePem`: subject `CN=<the certificate's
 * only common name>` (the peer's registered name, which the serving gateway checks), public
 * key and signature from `privateKeyPem`. Keeping the key means a host that stored it sealed
 * needs to persist only the new certificate. The key stays in memory; the request carries
 * only the public half. Throws `renewal_key_unsupported` for a key or certificate it cannot use.
 */
export async function renewalCsr(certificatePem: string, privateKeyPem: string): Promise<string> {
  const commonNames = new x509.X509Certificate(certificatePem).subjectName.getField('CN');
  const [commonName] = commonNames;
  if (commonName === undefined || commonNames.length !== 1) {
    throw unsupported('the current certificate does not carry exactly one common name');
  }
  const privateKey = createPrivateKey(privateKeyPem);
  const { importParams, signingAlgorithm } = algorithmsOf(privateKey);
  const keys: webcrypto.CryptoKeyPair = {
    privateKey: privateKey.toCryptoKey(importParams, false, ['sign']),
    publicKey: createPublicKey(privateKey).toCryptoKey(importParams, true, ['verify']),
  };
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [commonName] }],
    keys,
    signingAlgorithm,
  });
  return csr.toString('pem');
}
