/**
 * The federation server: node:https with client certificates verified against the pinned
 * roots, serving {@link createFederationHandler}.
 *
 * @module @fedtrust/transport-undici
 */
import { constants } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { FedtrustError, silentLogger } from '@fedtrust/core';
import { createFederationHandler, type FederationHandler } from './create-federation-handler.js';
import type { FederationHandlerOptions } from './options.js';

/** The server's own certificate and the roots client certificates must chain to. */
export interface ServerTlsOptions {
  /** PEM leaf presented to peers. */
  certificatePem: string;
  /** PEM intermediates, leaf-issuer first. */
  chainPem?: string[];
  /** PEM private key of the leaf. Held in memory only. */
  keyPem: string;
  /** PEM roots client certificates are verified against (the CA that enrols peers). */
  clientRootsPem: string[];
}

export interface FederationServerOptions extends FederationHandlerOptions {
  tls: ServerTlsOptions;
}

export interface FederationServer extends AsyncDisposable {
  server: Server;
  handler: FederationHandler;
  /** Starts listening (default an ephemeral port on 127.0.0.1) and resolves with the bound address. */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /** Stops accepting, closes idle keep-alive connections, and resolves when in-flight requests finished. */
  close(): Promise<void>;
  /**
   * Replaces the server certificate (and optionally the client roots) for new handshakes.
   * Open connections keep theirs and are not dropped.
   */
  setSecureContext(tls: Partial<ServerTlsOptions>): void;
}

/**
 * Part of every secure context, including those `setSecureContext` builds (node resets
 * `secureOptions` it is not given): a TLS 1.2 renegotiation could present a second client
 * certificate, and node keeps `authorized` true when that one fails verification.
 */
const SECURE_OPTIONS = constants.SSL_OP_NO_RENEGOTIATION;

function secureContextOptions(tls: ServerTlsOptions) {
  const roots: unknown = tls.clientRootsPem;
  // node verifies client certificates against the system CA store when `ca` is absent.
  if (
    !Array.isArray(roots) ||
    roots.length === 0 ||
    roots.some((pem) => typeof pem !== 'string' || pem === '')
  ) {
    throw new FedtrustError('client_roots_missing', 'no client roots to verify peers against', {
      status: 400,
      remediation:
        'Pass the enrolling CA roots as `tls.clientRootsPem` (PEM strings); the system store is never used.',
    });
  }
  return {
    cert: [tls.certificatePem, ...(tls.chainPem ?? [])].join('\n'),
    key: tls.keyPem,
    ca: tls.clientRootsPem,
    secureOptions: SECURE_OPTIONS,
  };
}

/**
 * Creates the server. TLS asks every client for a certificate but lets a client without one
 * finish the handshake, because `POST /enroll` is how a peer gets its first certificate;
 * the handler denies every other route `identity_missing` unless TLS verified the
 * certificate. A client that presents a certificate TLS cannot verify (self-signed, another
 * CA, expired) is disconnected right after the handshake and never reaches a route.
 * Renegotiation is refused (and a connection that tries it is closed), so the certificate
 * TLS verified at the handshake is the only one a connection ever carries.
 */
export function createFederationServer(options: FederationServerOptions): FederationServer {
  const logger = options.logger ?? silentLogger;
  let tls = options.tls;
  const handler = createFederationHandler(options);
  const server = createServer(
    { ...secureContextOptions(tls), requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' },
    handler,
  );
  server.on('secureConnection', (socket: TLSSocket) => {
    socket.disableRenegotiation();
    if (socket.authorized) return;
    const presented = socket.getPeerCertificate();
    if (presented !== null && Object.keys(presented).length > 0) {
      logger.warn('fedtrust: client certificate rejected by TLS', {
        error: String(socket.authorizationError),
      });
      socket.destroy();
    }
  });
  server.on('tlsClientError', (error) =>
    logger.debug('fedtrust: TLS handshake failed', { error: error.message }),
  );

  const close = () =>
    new Promise<void>((resolve, reject) => {
      if (!server.listening) return resolve();
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeIdleConnections();
    });

  return {
    server,
    handler,
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    close,
    setSecureContext(next) {
      const merged = { ...tls, ...next };
      server.setSecureContext(secureContextOptions(merged));
      tls = merged;
    },
    [Symbol.asyncDispose]: close,
  };
}
