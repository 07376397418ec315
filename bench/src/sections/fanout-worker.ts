/**
 * Worker thread hosting N peer gateways for the fan-out section, each with its own SQLite
 * store, CA and enrolled grant, and a source whose answer time the main thread sets.
 *
 * @module @fedtrust/bench/sections/fanout-worker
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { sqliteStore } from '@fedtrust/adapter-sqlite';
import { createFederationServer } from '@fedtrust/transport-undici';
import { enrolledPeer, rowsSource } from '../fixtures.js';

export interface FanOutPeer {
  id: string;
  url: string;
  serverRootsPem: string[];
  client: { certificatePem: string; chainPem: string[]; privateKeyPem: string };
}

export type FanOutMessage = { delays: number[] } | 'stop';

const port = parentPort;
if (port === null) throw new Error('fanout-worker must run in a worker thread');
const count = (workerData as { peers: number }).peers;
const dir = mkdtempSync(join(tmpdir(), 'fedtrust-bench-fanout-'));
let delays: number[] = Array.from({ length: count }, () => 0);

const peers = await Promise.all(
  Array.from({ length: count }, async (_, i) => {
    const store = sqliteStore(join(dir, `peer-${i}.db`));
    const enrolled = await enrolledPeer(store, `peer-${i}`);
    const server = createFederationServer({
      gatewayName: `peer-${i}`,
      store,
      authorize: () => true,
      sources: { tasks: rowsSource(() => delays[i] ?? 0) },
      rateLimit: { points: 1_000_000_000, durationSeconds: 60 },
      tls: {
        certificatePem: enrolled.serverTls.certificatePem,
        chainPem: enrolled.serverTls.chainPem,
        keyPem: enrolled.serverTls.privateKeyPem,
        clientRootsPem: enrolled.clientRootsPem,
      },
    });
    const address = await server.listen();
    const peer: FanOutPeer = {
      id: `peer-${i}`,
      url: `https://127.0.0.1:${address.port}`,
      serverRootsPem: enrolled.serverRootsPem,
      client: enrolled.client,
    };
    return { peer, server, store };
  }),
);
port.postMessage(peers.map((p) => p.peer));

port.on('message', async (message: FanOutMessage) => {
  if (message === 'stop') {
    await Promise.all(
      peers.map(async (p) => {
        await p.server.close();
        await p.store.close();
      }),
    );
    rmSync(dir, { recursive: true, force: true });
    port.postMessage('stopped');
    port.close();
    return;
  }
  delays = message.delays;
  port.postMessage('delays-set');
});
