/**
 * The server's TLS. Renegotiation over real sockets. A TLS 1.2 renegotiation may present another client
 * certificate than the one verified at the handshake; node leaves `authorized` true when that
 * one fails verification and `getPeerCertificate()` returns it. A client holding any
 * certificate under the pinned roots could so swap in a self-signed leaf carrying another
 * peer's grant id, subject and serial and be served as that peer. The server refuses
 * renegotiation, and the identity stage ignores a socket whose last verification failed.
 */
import { connect, type TLSSocket } from 'node:tls';
import { memoryStore } from '@fedtrust/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowAll, arraySource, startGateway, type TestGateway } from '../test-support/gateway.js';
import { createFederationServer, type ServerTlsOptions } from './create-federation-server.js';

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startGateway({ sources: { notes: arraySource([{ id: 'n1' }]) } });
});

afterAll(async () => {
  await gateway?.close();
});

function open(enrolled: { certificatePem: string; chainPem: string[]; key: { privateKeyPem: string } }) {
  return new Promise<TLSSocket>((resolve, reject) => {
    const socket = connect(
      {
        host: '127.0.0.1',
        port: gateway.address.port,
        ca: gateway.rootsPem,
        maxVersion: 'TLSv1.2',
        cert: [enrolled.certificatePem, ...enrolled.chainPem].join('\n'),
        key: enrolled.key.privateKeyPem,
      },
      () => resolve(socket),
    );
    socket.once('error', reject);
  });
}

/** Sends one request and resolves with the raw answer, or '' when the server closes the socket. */
function exchange(socket: TLSSocket, path: string): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    socket.once('close', () => resolve(text));
    socket.on('error', () => undefined);
    socket.write(`POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}`);
  });
}

describe('TLS renegotiation', () => {
  it('is refused: the connection a client tries to renegotiate is closed and serves nothing', async () => {
    const enrolled = await gateway.enrol({ resources: ['notes'], max_rows_per_query: 3 });
    const socket = await open(enrolled);
    try {
      expect(socket.getProtocol()).toBe('TLSv1.2');
      socket.resume();
      const renegotiated = await new Promise<boolean>((resolve) => {
        socket.once('close', () => resolve(false));
        socket.once('error', () => resolve(false));
        socket.renegotiate({}, (error) => resolve(error === null || error === undefined));
      });
      expect(renegotiated).toBe(false);
      const answer = socket.destroyed ? '' : await exchange(socket, '/fedtrust/v1/list/notes');
      expect(answer).not.toContain('200 OK');
    } finally {
      socket.destroy();
    }

    // The same certificate on a fresh connection is served: only renegotiation was refused.
    const fresh = await open(enrolled);
    try {
      expect(await exchange(fresh, '/fedtrust/v1/list/notes')).toContain('"id":"n1"');
    } finally {
      fresh.destroy();
    }
  });
});

describe('client roots', () => {
  it('are required: without them node would verify client certificates against the system CA store', async () => {
    const tls = (await gateway.ca.serverCertificate({ hostnames: ['127.0.0.1'] })) as {
      certificatePem: string;
      privateKeyPem: string;
    };
    const base = { certificatePem: tls.certificatePem, keyPem: tls.privateKeyPem };
    for (const clientRootsPem of [undefined, [], ['']]) {
      expect(() =>
        createFederationServer({
          gatewayName: 'work',
          store: memoryStore(),
          authorize: allowAll,
          sources: {},
          tls: { ...base, clientRootsPem } as unknown as ServerTlsOptions,
        }),
      ).toThrow(expect.objectContaining({ code: 'client_roots_missing' }));
    }
    expect(() => gateway.server.setSecureContext({ clientRootsPem: [] })).toThrow(
      expect.objectContaining({ code: 'client_roots_missing' }),
    );
  });
});
