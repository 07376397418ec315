/**
 * The identity a TLS connection proved, decoded once per socket: a connection's certificate
 * cannot change, so the leaf is parsed on the first request and remembered with the socket.
 * Grant and peer status are still read on every request by the guard.
 *
 * @module @fedtrust/transport-undici
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { type ConnectionIdentity, identifyConnection } from '@fedtrust/core';

const NO_VERIFIED_CERT: ConnectionIdentity = { ok: false, reason: 'identity_missing', certSerial: null };

/**
 * Decides what `socket` proved. Only a certificate that TLS verified against the pinned
 * roots (`socket.authorized`, and no `authorizationError`) is ever decoded: a plain socket, a
 * socket without a client certificate, or one whose certificate failed verification is
 * `identity_missing`. Node never resets `authorized` once set: after a renegotiation whose
 * certificate failed verification it is still true, and only `authorizationError` tells.
 * {@link createFederationServer} refuses renegotiation; a host mounting the handler on its
 * own server should too (`secureOptions: SSL_OP_NO_RENEGOTIATION`).
 */
export function createConnectionIdentities(arc?: string): (socket: Socket) => ConnectionIdentity {
  const bySocket = new WeakMap<Socket, ConnectionIdentity>();
  return (socket) => {
    const known = bySocket.get(socket);
    if (known !== undefined) return known;
    const tls = socket as Partial<TLSSocket>;
    let identity = NO_VERIFIED_CERT;
    if (
      tls.encrypted === true &&
      tls.authorized === true &&
      (tls.authorizationError === undefined || tls.authorizationError === null) &&
      typeof tls.getPeerCertificate === 'function'
    ) {
      const raw = tls.getPeerCertificate().raw as Buffer | undefined;
      identity = identifyConnection(raw === undefined ? null : new Uint8Array(raw), arc);
    }
    bySocket.set(socket, identity);
    return identity;
  };
}
