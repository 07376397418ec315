/**
 * `stepCa(options)`: the `CertificateAuthority` port against a running step-ca.
 *
 * @module @fedtrust/ca-stepca
 */
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { type CertificateAuthority, type Clock, DEFAULT_IDENTITY_ARC, type Random } from '@fedtrust/core';
import { systemClock, systemRandom } from '@fedtrust/core/system';
import { X509Certificate } from '@peculiar/x509';
import { Agent, type Dispatcher } from 'undici';
import type { ClientIdentity, LifetimeBounds, StepCaContext } from './context.js';
import type { CaConnection } from './http/ca-request.js';
import { issue } from './operations/issue.js';
import { probeTemplateGuards, type TemplateGuardProbe } from './operations/probe-template-guards.js';
import { renew } from './operations/renew.js';
import { revoke } from './operations/revoke.js';
import { health, roots } from './operations/roots.js';
import { loadProvisioner, type ProvisionerKey } from './provisioner/load-provisioner.js';

export interface StepCaOptions {
  /** The CA's base URL, e.g. `https://ca.internal:9000`. */
  url: string;
  /** PEM of the CA's root certificate. Every connection is pinned to it; nothing else is trusted. */
  root: string;
  /** A JWK provisioner configured with `templateFor(arc)`, and the password of its encrypted key. */
  provisioner: { name: string; password: string };
  /** OID arc of the identity extensions; must match the provisioner's template. */
  arc?: string;
  /**
   * Dispatcher for every call except renewal. Default: an undici Agent pinned to `root`.
   * An injected one carries the pinning and must trust only `root` (for example
   * `new Agent({ connect: { ca: rootPem } })`, or a `MockAgent` in tests): one-time tokens
   * are not bound to the CSR, so whoever answers an unpinned connection can redeem the
   * token for a certificate carrying the grant's identity on a key of its own.
   */
  dispatcher?: Dispatcher;
  /** Dispatcher factory for renewal, which presents the certificate over mTLS. Default: a pinned Agent. */
  clientDispatcher?: (identity: ClientIdentity) => Dispatcher;
  clock?: Clock;
  random?: Random;
  /** Overrides the provisioner's lifetime claims (seconds); requests outside them are refused before any call. */
  lifetime?: LifetimeBounds;
  /** Per-request timeout in milliseconds (default 10 000). */
  timeoutMs?: number;
}

/** A step-ca backed `CertificateAuthority` that owns its connection pool. */
export interface StepCa extends CertificateAuthority, AsyncDisposable {
  /** Lower-case hex SHA-256 of the pinned root's DER. */
  readonly rootFingerprint: string;
  /**
   * Asks the CA to sign probes whose tokens lack the grant-id claim, then the subject-user-id
   * claim, and reports whether the provisioner's template refused both (`fedtrust doctor --check ca`).
   */
  probeTemplateGuards(): Promise<TemplateGuardProbe>;
  /** Closes the default dispatcher (an injected one is left to its owner). */
  close(): Promise<void>;
}

/**
 * Creates the step-ca adapter. Nothing is fetched until the first call; the provisioner
 * key is decrypted once and kept in memory only.
 *
 * @example
 * ```ts
 * const ca = stepCa({ url: 'https://ca.internal:9000', root: rootPem, provisioner: { name: 'fedtrust', password } });
 * const issued = await ca.issue({ csrPem, commonName: 'work-gateway', grantId, subjectUserId });
 * ```
 */
export function stepCa(options: StepCaOptions): StepCa {
  let rootCertificate: X509Certificate;
  try {
    rootCertificate = new X509Certificate(options.root);
  } catch (error) {
    throw new TypeError('stepCa: `root` must be the PEM of the CA root certificate', { cause: error });
  }
  const rootDer = new Uint8Array(rootCertificate.rawData);
  const rootPem = rootCertificate.toString('pem');
  const url = new URL(options.url);
  if (url.protocol !== 'https:') throw new TypeError('stepCa: `url` must be an https URL');
  const ownDispatcher = options.dispatcher === undefined ? new Agent({ connect: { ca: rootPem } }) : null;
  const connection: CaConnection = {
    url: url.origin + url.pathname.replace(/\/+$/, ''),
    dispatcher: options.dispatcher ?? (ownDispatcher as Agent),
    clock: options.clock ?? systemClock,
    timeoutMs: options.timeoutMs ?? 10_000,
  };
  let provisioner: Promise<ProvisionerKey> | null = null;
  const ctx: StepCaContext = {
    connection,
    rootPem,
    rootDer,
    rootFingerprint: createHash('sha256').update(rootDer).digest('hex'),
    arc: options.arc ?? DEFAULT_IDENTITY_ARC,
    clock: connection.clock,
    random: options.random ?? systemRandom,
    lifetime: options.lifetime ?? {},
    provisioner() {
      provisioner ??= loadProvisioner(connection, options.provisioner);
      // A failed load is not cached: the next call retries (the CA may have been down).
      return provisioner.catch((error: unknown) => {
        provisioner = null;
        throw error;
      });
    },
    forgetProvisioner() {
      provisioner = null;
    },
    clientDispatcher:
      options.clientDispatcher ??
      ((identity) =>
        new Agent({ connect: { ca: rootPem, cert: identity.certificatePem, key: identity.privateKeyPem } })),
  };
  const close = async () => {
    await ownDispatcher?.close();
  };
  return {
    rootFingerprint: ctx.rootFingerprint,
    issue: (request) => issue(ctx, request),
    renew: (request) => renew(ctx, request),
    revoke: (request) => revoke(ctx, request),
    roots: () => roots(ctx),
    health: () => health(ctx),
    probeTemplateGuards: () => probeTemplateGuards(ctx),
    close,
    [Symbol.asyncDispose]: close,
  };
}
