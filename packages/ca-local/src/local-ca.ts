/**
 * `localCa`: an in-process certificate authority implementing core's
 * `CertificateAuthority` port, for development, tests and single-node gateways.
 *
 * @module @fedtrust/ca-local
 */
import 'reflect-metadata';
import { isIP } from 'node:net';
import type {
  CaHealth,
  CertificateAuthority,
  Clock,
  Identity,
  IssuedCertificate,
  IssueRequest,
  Random,
  RenewRequest,
  RevokeRequest,
  SealedStore,
  Sealer,
} from '@fedtrust/core';
import { CaError, DEFAULT_IDENTITY_ARC, encodeIdentity, FedtrustError, readIdentity } from '@fedtrust/core';
import { systemClock, systemRandom } from '@fedtrust/core/system';
import * as x509 from '@peculiar/x509';
import { type CaKeys, loadOrCreateKeys } from './ca-state.js';
import { checkCsr } from './check-csr.js';
import {
  addSeconds,
  ECDSA_SHA256,
  exportPkcs8,
  floorToSecond,
  generateKeyPair,
  pkcs8ToPem,
  randomSerial,
  verifyParamsFor,
} from './crypto.js';
import { addRevocation, canonicalSerial, findRevocation, listRevocations } from './revocations.js';
import { signLeaf } from './sign-leaf.js';
import { verifyIssued } from './verify-issued.js';

/** Lifetimes a local CA grants, in whole seconds. */
export interface LifetimeBounds {
  minSeconds: number;
  maxSeconds: number;
  /** Used when a request names no lifetime. */
  defaultSeconds: number;
}

/** Five minutes to ninety days, seven days unless asked otherwise. */
export const DEFAULT_LIFETIME: LifetimeBounds = {
  minSeconds: 300,
  maxSeconds: 90 * 24 * 3600,
  defaultSeconds: 7 * 24 * 3600,
};

/**
 * `notBefore` is set this far in the past so a peer whose clock runs slightly behind can
 * use a fresh certificate at once (Step-CA backdates by the same minute).
 */
export const BACKDATE_SECONDS = 60;

/** How long a CRL is current; relying parties fetch a new one before `nextUpdate`. */
const CRL_VALIDITY_SECONDS = 24 * 3600;

export interface LocalCaOptions {
  /** Where the sealed root and intermediate keys and the revocation list live. */
  store: SealedStore;
  /** Seals the CA keys and revocation records (`createSealer` from `@fedtrust/core`). */
  sealer: Sealer;
  clock?: Clock;
  random?: Random;
  /** Identity arc for the two extensions (default `DEFAULT_IDENTITY_ARC`). */
  arc?: string;
  /** Names the CA's certificates and namespaces its records (`ca:<name>:…`); default `fedtrust-local`. */
  name?: string;
  lifetime?: LifetimeBounds;
}

/** A gateway's TLS server certificate with its freshly generated key. */
export interface ServerCertificate extends IssuedCertificate {
  /** PKCS#8 PEM. Returned once and never stored by the CA; seal it if you keep it. */
  privateKeyPem: string;
}

/** The `CertificateAuthority` port plus what only an in-process CA can offer. */
export interface LocalCa extends CertificateAuthority {
  readonly name: string;
  readonly lifetime: LifetimeBounds;
  /** A CRL signed by the intermediate (the issuer of every leaf), listing every revoked serial; PEM. */
  crl(): Promise<string>;
  /** A `serverAuth` certificate for `hostnames` (DNS names or IP addresses; the first is also the CN). */
  serverCertificate(request: { hostnames: string[]; lifetimeSeconds?: number }): Promise<ServerCertificate>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const HOSTNAME =
  /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function optionsError(message: string): FedtrustError {
  return new FedtrustError('ca_options_invalid', message, {
    status: 500,
    remediation: 'Fix the options passed to localCa(); see the @fedtrust/ca-local README.',
  });
}

function checkBounds(bounds: LifetimeBounds): LifetimeBounds {
  const { minSeconds, maxSeconds, defaultSeconds } = bounds;
  const whole = [minSeconds, maxSeconds, defaultSeconds].every((n) => Number.isInteger(n) && n > 0);
  if (!whole || minSeconds > defaultSeconds || defaultSeconds > maxSeconds) {
    throw optionsError(
      'lifetime needs whole positive seconds with minSeconds <= defaultSeconds <= maxSeconds.',
    );
  }
  return { minSeconds, maxSeconds, defaultSeconds };
}

function toIssued(cert: x509.X509Certificate, keys: CaKeys): IssuedCertificate {
  return {
    certificatePem: cert.toString('pem'),
    chainPem: [keys.intermediate.certificate.toString('pem')],
    serial: canonicalSerial(cert.serialNumber),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
  };
}

/**
 * Creates a local CA over a sealed store. Keys are made on first use and persisted sealed,
 * so a second `localCa` on the same store (a restart) keeps the same root; revocations
 * persist in the same store. Every issued leaf is verified before it is returned (chains
 * to the root, each identity extension exactly once with the requested values).
 *
 * @example
 * const ca = localCa({ store, sealer: createSealer({ keys, currentKeyId, random: systemRandom }) });
 * const issued = await ca.issue({ csrPem, commonName: peer.name, grantId: grant.id, subjectUserId: grant.subjectUserId });
 */
export function localCa(options: LocalCaOptions): LocalCa {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const arc = options.arc ?? DEFAULT_IDENTITY_ARC;
  const name = options.name ?? 'fedtrust-local';
  if (!NAME.test(name)) throw optionsError('name must be 1-64 letters, digits, dots, dashes or underscores.');
  const lifetime = checkBounds(options.lifetime ?? DEFAULT_LIFETIME);
  const state = { store: options.store, sealer: options.sealer, clock, random, name };

  let ready: Promise<CaKeys> | null = null;
  const keys = (): Promise<CaKeys> => {
    ready ??= loadOrCreateKeys(state).catch((error: unknown) => {
      ready = null;
      throw error;
    });
    return ready;
  };

  const validity = (lifetimeSeconds: number, caKeys: CaKeys) => {
    if (
      !Number.isInteger(lifetimeSeconds) ||
      lifetimeSeconds < lifetime.minSeconds ||
      lifetimeSeconds > lifetime.maxSeconds
    ) {
      throw new CaError(
        'ca_lifetime_out_of_bounds',
        `A lifetime of ${lifetimeSeconds} s is outside ${lifetime.minSeconds}..${lifetime.maxSeconds} s.`,
        {
          details: {
            requested: lifetimeSeconds,
            minSeconds: lifetime.minSeconds,
            maxSeconds: lifetime.maxSeconds,
          },
        },
      );
    }
    const now = floorToSecond(clock.now());
    const notAfter = addSeconds(now, lifetimeSeconds);
    if (notAfter > caKeys.intermediate.certificate.notAfter) {
      throw new CaError('ca_state_invalid', 'The intermediate expires before this certificate would.', {
        details: { intermediateNotAfter: caKeys.intermediate.certificate.notAfter.toISOString() },
      });
    }
    return { notBefore: addSeconds(now, -BACKDATE_SECONDS), notAfter };
  };

  const issueClient = async (
    publicKey: x509.PublicKey,
    commonName: string,
    identity: { grantId: string; subjectUserId: string },
    lifetimeSeconds: number,
  ): Promise<IssuedCertificate> => {
    const caKeys = await keys();
    const encoded = encodeIdentity(identity, arc);
    const leaf = await signLeaf(caKeys.intermediate, {
      publicKey,
      commonName,
      serial: randomSerial(random.bytes(16)),
      ...validity(lifetimeSeconds, caKeys),
      usage: x509.ExtendedKeyUsage.clientAuth,
      // Non-critical: a TLS stack that does not know the arc must still accept the certificate.
      extensions: [
        new x509.Extension(encoded.grantId.oid, false, encoded.grantId.der),
        new x509.Extension(encoded.subjectUserId.oid, false, encoded.subjectUserId.der),
      ],
    });
    await verifyIssued(leaf, caKeys, identity, arc);
    return toIssued(leaf, caKeys);
  };

  const revocations = { store: options.store, sealer: options.sealer, clock, name };

  return {
    name,
    lifetime,

    async issue(request: IssueRequest): Promise<IssuedCertificate> {
      const lifetimeSeconds = request.lifetimeSeconds ?? lifetime.defaultSeconds;
      const publicKey = await checkCsr(request.csrPem, request.commonName);
      return issueClient(
        publicKey,
        request.commonName,
        { grantId: request.grantId, subjectUserId: request.subjectUserId },
        lifetimeSeconds,
      );
    },

    async renew(request: RenewRequest): Promise<IssuedCertificate> {
      const caKeys = await keys();
      let cert: x509.X509Certificate;
      try {
        if (typeof request.certificatePem !== 'string') throw new TypeError('certificatePem is not a string');
        cert = new x509.X509Certificate(request.certificatePem);
      } catch (error) {
        throw new CaError('ca_certificate_unknown', 'The certificate to renew is not readable.', {
          cause: error,
        });
      }
      const ours =
        cert.issuer === caKeys.intermediate.certificate.subject &&
        (await cert.verify({ publicKey: caKeys.intermediate.certificate.publicKey, signatureOnly: true }));
      if (!ours) throw new CaError('ca_certificate_unknown', 'The certificate was not issued by this CA.');
      // Only peer client certificates renew: a server certificate from this CA carries no identity.
      const usages = cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [];
      let identity: Identity;
      try {
        if (!usages.includes(x509.ExtendedKeyUsage.clientAuth))
          throw new TypeError('not a clientAuth certificate');
        identity = readIdentity(new Uint8Array(cert.rawData), arc);
      } catch (error) {
        throw new CaError('ca_certificate_unknown', 'The certificate is not a peer client certificate.', {
          cause: error,
        });
      }
      const serial = canonicalSerial(cert.serialNumber);
      if (await findRevocation(revocations, serial)) {
        throw new CaError('ca_certificate_revoked', 'The certificate was revoked and cannot be renewed.', {
          details: { serial },
        });
      }
      if (clock.now() >= cert.notAfter) {
        throw new CaError('ca_certificate_expired', 'The certificate expired and cannot be renewed.', {
          details: { serial, notAfter: cert.notAfter.toISOString() },
        });
      }
      await proveKeyPossession(cert, request.privateKeyPem, random);
      const previous = (cert.notAfter.getTime() - cert.notBefore.getTime()) / 1000 - BACKDATE_SECONDS;
      const renewedLifetime = Math.min(
        lifetime.maxSeconds,
        Math.max(lifetime.minSeconds, Math.round(previous)),
      );
      const commonName = cert.subjectName.getField('CN')[0] ?? '';
      return issueClient(cert.publicKey, commonName, identity, renewedLifetime);
    },

    async revoke(request: RevokeRequest): Promise<void> {
      await addRevocation(revocations, request.serial, request.reason ?? null);
    },

    async roots(): Promise<string[]> {
      return [(await keys()).root.certificate.toString('pem')];
    },

    async health(): Promise<CaHealth> {
      try {
        const caKeys = await keys();
        const now = clock.now();
        if (now >= caKeys.intermediate.certificate.notAfter)
          return { ok: false, detail: 'intermediate expired' };
        return { ok: true, detail: `root ${caKeys.root.certificate.subject}` };
      } catch (error) {
        return { ok: false, detail: error instanceof Error ? error.message : String(error) };
      }
    },

    async crl(): Promise<string> {
      const caKeys = await keys();
      const now = floorToSecond(clock.now());
      const crl = await x509.X509CrlGenerator.create({
        issuer: caKeys.intermediate.certificate.subjectName,
        thisUpdate: now,
        nextUpdate: addSeconds(now, CRL_VALIDITY_SECONDS),
        entries: (await listRevocations(revocations)).map((r) => ({
          serialNumber: r.serial,
          revocationDate: floorToSecond(r.revokedAt),
        })),
        extensions: [
          await x509.AuthorityKeyIdentifierExtension.create(caKeys.intermediate.certificate.publicKey),
          // RFC 5280 wants a monotonically increasing CRL number; the issue time in milliseconds is one.
          new x509.Extension('2.5.29.20', false, derInteger(clock.now().getTime())),
        ],
        signingKey: caKeys.intermediate.signingKey,
        signingAlgorithm: ECDSA_SHA256,
      });
      return crl.toString('pem');
    },

    async serverCertificate(request): Promise<ServerCertificate> {
      const hostnames = request.hostnames;
      if (hostnames.length === 0 || hostnames.some((h) => isIP(h) === 0 && !HOSTNAME.test(h))) {
        throw optionsError(
          'serverCertificate needs at least one hostname, each a DNS name or an IP address.',
        );
      }
      const caKeys = await keys();
      const pair = await generateKeyPair();
      const leaf = await signLeaf(caKeys.intermediate, {
        publicKey: pair.publicKey,
        commonName: hostnames[0]!,
        serial: randomSerial(random.bytes(16)),
        ...validity(request.lifetimeSeconds ?? lifetime.defaultSeconds, caKeys),
        usage: x509.ExtendedKeyUsage.serverAuth,
        extensions: [
          new x509.SubjectAlternativeNameExtension(
            hostnames.map((h): x509.JsonGeneralName => ({ type: isIP(h) === 0 ? 'dns' : 'ip', value: h })),
            false,
          ),
        ],
      });
      return { ...toIssued(leaf, caKeys), privateKeyPem: pkcs8ToPem(await exportPkcs8(pair.privateKey)) };
    },
  };
}

/** DER INTEGER of a non-negative safe integer (the CRL number). */
function derInteger(value: number): Uint8Array {
  const bytes: number[] = [];
  let n = Math.floor(value);
  do {
    bytes.unshift(n & 0xff);
    n = Math.floor(n / 256);
  } while (n > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return Uint8Array.from([0x02, bytes.length, ...bytes]);
}

/**
 * Renewal proves possession as Step-CA's mTLS renewal does: the offered private key must
 * sign a fresh challenge that the certificate's public key verifies (`ca_key_mismatch`).
 */
async function proveKeyPossession(cert: x509.X509Certificate, privateKeyPem: string, random: Random) {
  const params = verifyParamsFor(cert.publicKey.algorithm);
  const mismatch = (cause?: unknown) =>
    new CaError('ca_key_mismatch', 'The private key does not belong to the certificate being renewed.', {
      cause,
    });
  if (!params) throw mismatch();
  let signature: ArrayBuffer;
  const challenge = random.bytes(32);
  try {
    const der = x509.PemConverter.decodeFirst(privateKeyPem);
    const key = await crypto.subtle.importKey('pkcs8', der, params.importParams, false, ['sign']);
    signature = await crypto.subtle.sign(params.signParams, key, challenge);
  } catch (error) {
    throw mismatch(error);
  }
  const publicKey = await cert.publicKey.export(params.importParams, ['verify']);
  if (!(await crypto.subtle.verify(params.signParams, publicKey, signature, challenge))) throw mismatch();
}
