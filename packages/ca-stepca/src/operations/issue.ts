/**
 * `CertificateAuthority.issue` against step-ca: a JWK one-time token and `/1.0/sign`.
 *
 * @module @fedtrust/ca-stepca
 */
import 'reflect-metadata';
import { createPublicKey } from 'node:crypto';
import {
  CaError,
  encodeIdentity,
  type IssuedCertificate,
  type IssueRequest,
  isFedtrustError,
} from '@fedtrust/core';
import { Pkcs10CertificateRequest, SubjectAlternativeNameExtension } from '@peculiar/x509';
import { STEP_CA_DEFAULT_LIFETIME, type StepCaContext, tokenId } from '../context.js';
import { caRequest, refusal } from '../http/ca-request.js';
import { createToken, GRANT_ID_CLAIM, SUBJECT_USER_ID_CLAIM } from '../token/create-token.js';
import { verifyIssued } from '../verify/verify-issued.js';

/**
 * Issues a leaf for `request.commonName` carrying both identity extensions. The CSR, its
 * names and the lifetime are checked before anything is sent; the answer is verified
 * (chain to the pinned root, key, name, both extensions once with these values) before it
 * is returned. Every failure is a typed error; a certificate that fails verification is
 * never returned.
 */
export async function issue(ctx: StepCaContext, request: IssueRequest): Promise<IssuedCertificate> {
  const csr = await parseCsr(request.csrPem);
  checkNames(csr, request.commonName);
  const provisioner = await ctx.provisioner();
  const bounds = { ...provisioner.claims, ...definedOnly(ctx.lifetime) };
  const lifetimeSeconds = checkLifetime(
    request.lifetimeSeconds ?? hostDefault(ctx.lifetime, provisioner.claims),
    bounds,
  );
  const identity = { grantId: request.grantId, subjectUserId: request.subjectUserId };
  const encoded = encodeIdentity(identity, ctx.arc);
  const ott = await createToken({
    provisioner,
    audience: `${ctx.connection.url}/1.0/sign`,
    subject: request.commonName,
    sans: [request.commonName],
    now: ctx.clock.now(),
    jti: tokenId(ctx.random),
    rootFingerprint: ctx.rootFingerprint,
    claims: {
      [GRANT_ID_CLAIM]: encoded.grantId.base64,
      [SUBJECT_USER_ID_CLAIM]: encoded.subjectUserId.base64,
    },
  });
  const response = await caRequest(ctx.connection, 'POST', '/1.0/sign', {
    json: {
      csr: request.csrPem,
      ott,
      ...(lifetimeSeconds === undefined ? {} : { notAfter: `${lifetimeSeconds}s` }),
    },
  });
  if (response.status !== 201) {
    const error = refusal(response, ctx.connection, 'sign');
    if (isFedtrustError(error) && error.code === 'ca_bad_credentials') ctx.forgetProvisioner();
    throw error;
  }
  const body = response.body as { crt?: unknown; certChain?: unknown } | null;
  return verifyIssued(
    { leaf: body?.crt, chain: body?.certChain },
    {
      identity,
      commonName: request.commonName,
      publicKey: new Uint8Array(csr.publicKey.rawData),
      arc: ctx.arc,
      rootDer: ctx.rootDer,
      at: ctx.clock.now(),
      maxLifetimeSeconds: lifetimeSeconds ?? bounds.maxSeconds ?? STEP_CA_DEFAULT_LIFETIME.maxSeconds,
    },
  );
}

async function parseCsr(csrPem: string): Promise<Pkcs10CertificateRequest> {
  let csr: Pkcs10CertificateRequest;
  try {
    csr = new Pkcs10CertificateRequest(csrPem);
  } catch (error) {
    throw new CaError('ca_csr_invalid', 'the CSR is not a PEM PKCS#10 certificate request', { cause: error });
  }
  let valid = false;
  try {
    valid = await csr.verify();
  } catch (error) {
    throw new CaError('ca_csr_invalid', 'the CSR signature cannot be verified', { cause: error });
  }
  if (!valid)
    throw new CaError('ca_csr_invalid', 'the CSR signature does not verify with the key it carries');
  checkKeyStrength(new Uint8Array(csr.publicKey.rawData));
  return csr;
}

/**
 * step-ca 0.19 certifies an RSA key with public exponent 1, whose "signature" anyone can
 * forge (the padded digest is its own signature), so a verifying self-signature proves
 * nothing. Refuse RSA keys outside NIST SP 800-56B (odd e, 65537 <= e < 2^256) or under
 * 2048 bits before anything is sent.
 */
function checkKeyStrength(spki: Uint8Array): void {
  let details: { modulusLength?: number; publicExponent?: bigint } | undefined;
  let type: string | undefined;
  try {
    const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    type = key.asymmetricKeyType;
    details = key.asymmetricKeyDetails;
  } catch (error) {
    throw new CaError('ca_csr_invalid', 'the CSR public key cannot be parsed', { cause: error });
  }
  if (type !== 'rsa') return;
  const e = details?.publicExponent ?? 0n;
  const bits = details?.modulusLength ?? 0;
  if (e < 65_537n || e >= 2n ** 256n || e % 2n === 0n || bits < 2048) {
    throw new CaError(
      'ca_csr_invalid',
      'the CSR RSA key is too weak (public exponent or modulus outside NIST bounds)',
      {
        details: { modulusLength: bits, publicExponent: e.toString() },
      },
    );
  }
}

/** step-ca checks the same: the CSR names only what the token names (its common name, as DNS SAN). */
function checkNames(csr: Pkcs10CertificateRequest, commonName: string): void {
  const names = csr.subjectName.getField('CN');
  if (names.length > 1 || (names.length === 1 && names[0] !== commonName)) {
    throw new CaError(
      'ca_csr_mismatch',
      `the CSR names ${JSON.stringify(names)}, the request "${commonName}"`,
      {
        details: { csrCommonNames: names, commonName },
      },
    );
  }
  const san = csr.extensions.find(
    (e): e is SubjectAlternativeNameExtension => e instanceof SubjectAlternativeNameExtension,
  );
  const others = (san?.names.items ?? []).filter((n) => !(n.type === 'dns' && n.value === commonName));
  if (others.length > 0) {
    throw new CaError('ca_csr_mismatch', `the CSR asks for names other than "${commonName}"`, {
      details: { extraNames: others.map((n) => `${n.type}:${n.value}`), commonName },
    });
  }
}

function checkLifetime(
  requested: number | undefined,
  bounds: { minSeconds?: number; maxSeconds?: number },
): number | undefined {
  if (requested === undefined) return undefined;
  const min = bounds.minSeconds ?? STEP_CA_DEFAULT_LIFETIME.minSeconds;
  const max = bounds.maxSeconds ?? STEP_CA_DEFAULT_LIFETIME.maxSeconds;
  if (!Number.isInteger(requested) || requested < min || requested > max) {
    throw new CaError(
      'ca_lifetime_out_of_bounds',
      `a lifetime of ${requested} s is outside the provisioner's bounds [${min} s, ${max} s]`,
      { details: { requested, minSeconds: min, maxSeconds: max } },
    );
  }
  return requested;
}

/**
 * The lifetime to ask for when the request names none. step-ca then uses the provisioner's
 * default, which a host's own `lifetime` must still bound: its `defaultSeconds`, else its
 * `maxSeconds` when that is below the provisioner's default.
 */
function hostDefault(
  host: { defaultSeconds?: number; maxSeconds?: number },
  provisioner: { defaultSeconds?: number },
): number | undefined {
  if (host.defaultSeconds !== undefined) return host.defaultSeconds;
  const caDefault = provisioner.defaultSeconds ?? STEP_CA_DEFAULT_LIFETIME.defaultSeconds;
  return host.maxSeconds !== undefined && host.maxSeconds < caDefault ? host.maxSeconds : undefined;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
