/**
 * One peer's connection: an undici Agent built from the client certificate and its key
 * (opened in memory only), the peer's roots pinned, renewed before two thirds of the
 * certificate's lifetime and swapped without failing requests already in flight.
 *
 * @module @fedtrust/transport-undici
 */
import {
  type CertificateAuthority,
  type Clock,
  FedtrustError,
  type IssuedCertificate,
  type Logger,
  type Sealer,
} from '@fedtrust/core';
import type { Tracer } from '@opentelemetry/api';
import { Agent, type Dispatcher } from 'undici';
import { callPeer } from './call-peer.js';
import { certificateInfo, type PeerCertificateInfo } from './certificate-info.js';
import { isFederationClientError } from './federation-client-error.js';
import { renewOverRoute } from './renew-over-route.js';
import { DEFAULT_RENEW_FRACTION, renewalDelayMs } from './renewal-delay.js';

/** A private key sealed by a {@link Sealer}; `context` is the additional data it was sealed with. */
export interface SealedKey {
  envelope: string;
  context: string;
}

/**
 * How a client certificate is renewed. By default the client sends a CSR for its current
 * key to the peer's `POST /fedtrust/v1/renew` over the current mTLS connection; the peer
 * issues through its own CA and binds the new serial before answering.
 */
export interface RenewalOptions {
  /**
   * Renew through this CA port instead of the peer's route (same key, same identity, new
   * validity) — for a host that can reach the CA that issued the certificate, e.g. a
   * shared Step-CA. The serving gateway denies a serial it never bound (`cert_not_bound`),
   * so the host must bind the new serial at the serving gateway before the certificate is
   * used: `onRenewed` runs after the swap, too late for that; do it inside this port's
   * `renew`.
   */
  ca?: CertificateAuthority;
  /** Fraction of the lifetime after which to renew (default 2/3). */
  fraction?: number;
  /** Called after each swap, e.g. to persist the new certificate. Its failure is logged, never fatal. */
  onRenewed?: (issued: IssuedCertificate) => void | Promise<void>;
}

export interface PeerOptions {
  /** The caller's name for this peer; fan-out tags its rows `_source: id`, whatever the peer wrote there. */
  id: string;
  /** Base URL of the peer gateway, e.g. `https://work.example:8443`. */
  url: string;
  /** PEM roots the peer's server certificate must chain to (pinned; the system store is not used). */
  rootsPem: string[];
  /** PEM client certificate this gateway was enrolled with at the peer. */
  certificatePem: string;
  /** PEM intermediates, leaf-issuer first. */
  chainPem?: string[];
  /** PKCS#8 PEM key, or an envelope opened with the client's `sealer`. */
  privateKey: string | SealedKey;
  /** TLS server name to verify, when it differs from the URL's host. */
  servername?: string;
  /**
   * Renewal before the certificate reaches two thirds of its lifetime: on by default through
   * the peer's renew route; `false` turns it off (the certificate is then used until it expires).
   */
  renewal?: RenewalOptions | false;
  /** A dispatcher to use instead of the built Agent (undici `MockAgent` in tests); never closed by the client. */
  dispatcher?: Dispatcher;
}

export type { PeerCertificateInfo } from './certificate-info.js';

export interface PeerConnection {
  readonly id: string;
  readonly origin: string;
  /** The dispatcher for the next request, opening the key on first use. Always the newest Agent. */
  dispatcher(): Promise<Dispatcher>;
  /**
   * The newest dispatcher, or null before the first `dispatcher()` resolved and after
   * `close()`. Read it in the same synchronous step as the dispatch: across an `await` a
   * renewal may swap the Agent and close the one read.
   */
  current(): Dispatcher | null;
  certificate(): PeerCertificateInfo;
  /** Renews now (deduplicated with a renewal already running) and swaps the Agent. */
  renew(): Promise<IssuedCertificate>;
  close(): Promise<void>;
}

export interface PeerConnectionShared {
  sealer?: Sealer;
  clock: Clock;
  logger: Logger;
  /** Traces the renew call like every other peer call. */
  tracer: Tracer;
  /** Timeout of the renew call. */
  timeoutMs: number;
  /** Cap on the renew answer's body. */
  maxResponseBytes: number;
}

async function openKey(key: string | SealedKey, sealer: Sealer | undefined, peer: string): Promise<string> {
  if (typeof key === 'string') return key;
  if (sealer === undefined) {
    throw new FedtrustError(
      'sealer_missing',
      `peer ${peer}: the private key is sealed but no sealer was given`,
      {
        status: 500,
        remediation: 'Pass the Sealer that sealed the client key as `sealer` to createFederationClient.',
      },
    );
  }
  return new TextDecoder().decode(await sealer.open(key.envelope, key.context));
}

/**
 * Creates the connection. The key is opened on first use and then kept only in this
 * closure and in the Agent's TLS options — never written anywhere. The renewal timer is
 * unref'd (it never keeps a process alive) and cleared by `close()`.
 */
export function createPeerConnection(options: PeerOptions, shared: PeerConnectionShared): PeerConnection {
  const roots: unknown = options.rootsPem;
  // node's TLS falls back to the system CA store when `ca` is absent: never let a missing pin
  // (e.g. a key left out of a JSON config) silently trust every public CA.
  if (
    options.dispatcher === undefined &&
    (!Array.isArray(roots) ||
      roots.length === 0 ||
      roots.some((pem) => typeof pem !== 'string' || pem === ''))
  ) {
    throw new FedtrustError('peer_roots_missing', `peer ${options.id}: no roots to pin`, {
      status: 400,
      remediation: "Pass the peer's CA roots as `rootsPem` (PEM strings); the system store is never used.",
    });
  }
  const origin = new URL(options.url).origin;
  const renewal = options.renewal === false ? undefined : (options.renewal ?? {});
  let certificatePem = options.certificatePem;
  let chainPem = options.chainPem ?? [];
  let info = certificateInfo(certificatePem);
  let privateKeyPem: string | null = null;
  let agent: Agent | null = null;
  let opening: Promise<Dispatcher> | null = null;
  let renewing: Promise<IssuedCertificate> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  const build = (key: string) =>
    new Agent({
      connect: {
        cert: [certificatePem, ...chainPem].join('\n'),
        key,
        ca: options.rootsPem,
        rejectUnauthorized: true,
        ...(options.servername === undefined ? {} : { servername: options.servername }),
      },
    });

  function schedule(delayMs: number): void {
    if (closed || renewal === undefined || options.dispatcher !== undefined) return;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      const due = renewalDelayMs(info.notBefore, info.notAfter, shared.clock.now(), renewal.fraction);
      if (due > 0) return schedule(due);
      renew().catch((error: unknown) => {
        // renew() already logged; retry while the certificate is still valid. An expired one
        // cannot renew (the peer refuses it at TLS): stop rather than call every second forever.
        // Nor can one the peer retired by an earlier renewal whose answer never arrived.
        if (isFederationClientError(error) && error.reason === 'renewal_superseded') {
          shared.logger.error(
            'fedtrust: client certificate was already renewed at the peer; renewal stopped, enrol again',
            {
              peer: options.id,
              serial: info.serial,
            },
          );
          return;
        }
        const left = info.notAfter.getTime() - shared.clock.now().getTime();
        if (left <= 0) {
          shared.logger.error('fedtrust: client certificate expired; renewal stopped, enrol again', {
            peer: options.id,
            serial: info.serial,
          });
          return;
        }
        schedule(Math.min(60_000, Math.max(1_000, Math.floor(left / 10))));
      });
    }, delayMs);
    timer.unref();
  }

  function planRenewal(): void {
    const fraction = renewal?.fraction ?? DEFAULT_RENEW_FRACTION;
    schedule(renewalDelayMs(info.notBefore, info.notAfter, shared.clock.now(), fraction));
  }

  async function open(): Promise<Dispatcher> {
    if (options.dispatcher !== undefined) return options.dispatcher;
    privateKeyPem = await openKey(options.privateKey, shared.sealer, options.id);
    agent = build(privateKeyPem);
    planRenewal();
    return agent;
  }

  async function dispatcher(): Promise<Dispatcher> {
    if (closed) {
      throw new FedtrustError('client_closed', `peer ${options.id}: the federation client is closed`, {
        status: 500,
        remediation: 'Create a new client; this one was closed.',
      });
    }
    if (agent !== null) return agent;
    opening ??= open().catch((error: unknown) => {
      opening = null;
      throw error;
    });
    await opening;
    // Read again after the await: a renewal may have swapped the Agent meanwhile.
    return options.dispatcher ?? (agent as unknown as Agent);
  }

  async function doRenew(): Promise<IssuedCertificate> {
    if (renewal === undefined) {
      throw new FedtrustError('renewal_not_configured', `peer ${options.id}: renewal is turned off`, {
        status: 500,
        remediation: 'Remove `renewal: false` from the peer options to renew through the peer.',
      });
    }
    await dispatcher();
    const key = privateKeyPem as string;
    let issued: IssuedCertificate;
    try {
      issued =
        renewal.ca === undefined
          ? await renewOverRoute(options.id, certificatePem, key, (csrPem) =>
              callPeer(shared.tracer, connection, {
                verb: 'renew',
                method: 'POST',
                segments: ['renew'],
                body: { csrPem },
                timeoutMs: shared.timeoutMs,
                maxResponseBytes: shared.maxResponseBytes,
              }),
            )
          : await renewal.ca.renew({ certificatePem, privateKeyPem: key });
    } catch (error) {
      shared.logger.warn('fedtrust: certificate renewal failed', {
        peer: options.id,
        serial: info.serial,
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
    if (closed) return issued;
    certificatePem = issued.certificatePem;
    chainPem = issued.chainPem;
    info = { serial: issued.serial, notBefore: issued.notBefore, notAfter: issued.notAfter };
    const previous = agent;
    agent = build(key);
    // close() lets requests already dispatched on the old Agent finish; new ones use the new Agent.
    previous?.close().catch((error: unknown) =>
      shared.logger.warn('fedtrust: closing the previous agent failed', {
        peer: options.id,
        error: String(error),
      }),
    );
    shared.logger.info('fedtrust: client certificate renewed', { peer: options.id, serial: issued.serial });
    planRenewal();
    try {
      await renewal.onRenewed?.(issued);
    } catch (error) {
      shared.logger.error('fedtrust: onRenewed failed', { peer: options.id, error: String(error) });
    }
    return issued;
  }

  function renew(): Promise<IssuedCertificate> {
    renewing ??= doRenew().finally(() => {
      renewing = null;
    });
    return renewing;
  }

  if (renewal !== undefined && options.dispatcher === undefined) {
    // Renewal is planned when the key is open; open it now so an idle client still renews.
    dispatcher().catch((error: unknown) =>
      shared.logger.warn('fedtrust: opening the client key failed; the next call retries', {
        peer: options.id,
        error: error instanceof Error ? error.message : String(error),
      }),
    );
  }

  const connection: PeerConnection = {
    id: options.id,
    origin,
    dispatcher,
    current: () => (closed ? null : (options.dispatcher ?? agent)),
    certificate: () => ({ ...info }),
    renew,
    async close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await renewing?.catch(() => undefined);
      const current = agent;
      agent = null;
      privateKeyPem = null;
      await current?.close();
    },
  };
  return connection;
}
