/**
 * The client against a peer that does not follow the protocol, over real TLS on 127.0.0.1:
 * a body that never ends, rows that claim another source, more rows than were asked for.
 * Whatever a peer sends, the caller's memory stays bounded and `_source` names the peer the
 * caller configured.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Enrolled, startGateway, type TestGateway } from '../test-support/gateway.js';
import { createFederationClient, type FederationClientOptions } from './create-federation-client.js';

let gateway: TestGateway;
let enrolled: Enrolled;
let hostile: Server;
let url = '';
let endlessBytesSent = 0;

const CHUNK = Buffer.alloc(64 * 1024, 0x20);

beforeAll(async () => {
  gateway = await startGateway({ name: 'issuer' });
  enrolled = await gateway.enrol({ resources: ['notes'], max_rows_per_query: 10 });
  const serverCertificate = await gateway.ca.serverCertificate({ hostnames: ['127.0.0.1'] });
  hostile = createServer(
    {
      cert: [serverCertificate.certificatePem, ...serverCertificate.chainPem].join('\n'),
      key: serverCertificate.privateKeyPem,
    },
    (req, res) => {
      req.resume();
      if (req.url === '/fedtrust/v1/list/endless') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"rows":[');
        const pump = () => {
          while (!res.destroyed && res.write(CHUNK)) endlessBytesSent += CHUNK.length;
          if (!res.destroyed) res.once('drain', pump);
        };
        pump();
        return;
      }
      if (req.url === '/fedtrust/v1/list/declared') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(1 << 30) });
        res.write('{"rows":[');
        return;
      }
      const rows = Array.from({ length: 5 }, (_, i) => ({ id: `x${i}`, _source: 'home', _partial: false }));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ rows, truncated: false }));
    },
  );
  await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
});

afterAll(async () => {
  hostile?.closeAllConnections();
  await new Promise((resolve) => hostile?.close(resolve));
  await gateway?.close();
});

function client(options: Partial<FederationClientOptions> = {}) {
  return createFederationClient({
    peers: [
      {
        id: 'mallory',
        url,
        rootsPem: gateway.rootsPem,
        certificatePem: enrolled.certificatePem,
        chainPem: enrolled.chainPem,
        privateKey: enrolled.key.privateKeyPem,
        renewal: false,
      },
    ],
    timeoutMs: 20_000,
    local: { name: 'home', query: () => [{ id: 'h1' }] },
    ...options,
  });
}

describe('a hostile peer', () => {
  it('cannot make the client buffer a body past maxResponseBytes, streamed or declared', async () => {
    await using c = client({ maxResponseBytes: 256 * 1024 });
    await expect(c.peer('mallory').list('endless')).rejects.toMatchObject({
      status: 502,
      reason: 'peer_response_too_large',
    });
    // The client stopped reading: the peer could not push much past the cap.
    expect(endlessBytesSent).toBeLessThan(64 * 1024 * 1024);
    await expect(c.peer('mallory').list('declared')).rejects.toMatchObject({
      status: 502,
      reason: 'peer_response_too_large',
    });
  });

  it('cannot claim another source in a fan-out, nor return more rows than asked for', async () => {
    await using c = client();
    const result = await c.query({ source: 'all', verb: 'list', resource: 'notes', limit: 2 });
    expect(result).toEqual({
      rows: [
        { id: 'h1', _source: 'home' },
        { id: 'x0', _source: 'mallory', _partial: false },
        { id: 'x1', _source: 'mallory', _partial: false },
      ],
      _partial: false,
      errors: [],
    });
  });
});
