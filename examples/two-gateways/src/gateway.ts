/**
 * One gateway: a federation server on a loopback port over its own store and CA. It can be
 * stopped and started again on the same port from the same store, like a restarted process.
 *
 * @module @fedtrust/example-two-gateways/gateway
 */
import type { HostAuthorizer } from '@fedtrust/core';
import { systemClock, systemRandom } from '@fedtrust/core/system';
import {
  createFederationServer,
  type FederationServer,
  type ResourceSource,
} from '@fedtrust/transport-undici';
import type { GatewayInfra } from './stack.js';

export interface GatewayOptions {
  name: string;
  infra: GatewayInfra;
  authorize: HostAuthorizer;
  sources: Record<string, ResourceSource>;
}

export interface Gateway {
  name: string;
  infra: GatewayInfra;
  /** `https://127.0.0.1:<port>`; stays the same across restarts. */
  url: string;
  /** Roots a peer pins to verify this gateway's server certificate. */
  serverRootsPem: string[];
  /** TLS connections the running server has accepted since it started. */
  tlsConnections(): number;
  running(): boolean;
  /** Stops the server; open connections are closed once their requests finish. */
  stop(): Promise<void>;
  /** Starts a fresh server process-equivalent on the same port and store. */
  start(): Promise<void>;
}

/** Starts the gateway and returns once it listens. The caller stops it. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { name, infra } = options;
  const serverRootsPem = await infra.tlsCa.roots();
  const clientRootsPem = await infra.ca.roots();
  const tls = await infra.tlsCa.serverCertificate({ hostnames: ['127.0.0.1', 'localhost'] });
  let server: FederationServer | null = null;
  let accepted = 0;
  let port = 0;

  async function start(): Promise<void> {
    if (server !== null) return;
    const next = createFederationServer({
      gatewayName: name,
      store: infra.store,
      authorize: options.authorize,
      sources: options.sources,
      clock: systemClock,
      random: systemRandom,
      enrollment: { ca: infra.ca },
      tls: {
        certificatePem: tls.certificatePem,
        chainPem: tls.chainPem,
        keyPem: tls.privateKeyPem,
        clientRootsPem,
      },
    });
    accepted = 0;
    next.server.on('secureConnection', () => {
      accepted += 1;
    });
    const address = await next.listen(port, '127.0.0.1');
    port = address.port;
    server = next;
  }

  async function stop(): Promise<void> {
    const current = server;
    server = null;
    if (current === null) return;
    // Drop idle keep-alive sockets too, as a process exit would; close() waits for in-flight requests.
    const closing = current.close();
    current.server.closeAllConnections();
    await closing;
  }

  await start();
  return {
    name,
    infra,
    url: `https://127.0.0.1:${port}`,
    serverRootsPem,
    tlsConnections: () => accepted,
    running: () => server !== null,
    stop,
    start,
  };
}
