/**
 * Worker thread hosting the servers the https section loads, so the servers and the load
 * generator each get a core: a bare node:https mTLS server and three federation servers
 * (on sqliteStore with its default `synchronous: 'full'`, on a second SQLite file with
 * `synchronous: 'normal'`, and on the in-memory store), all with the same certificates,
 * answering the same bytes.
 *
 * @module @fedtrust/bench/sections/https-worker
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { sqliteStore } from '@fedtrust/adapter-sqlite';
import { memoryStore } from '@fedtrust/core/testing';
import { createFederationServer, type FederationServer } from '@fedtrust/transport-undici';
import { enrolledPeer, mirrorGrant, ROWS, rowsSource } from '../fixtures.js';

export interface HttpsWorkerReady {
  bare: number;
  sqlite: number;
  /** The same server on a second SQLite file opened with `synchronous: 'normal'`. */
  sqliteNormal: number;
  memory: number;
  serverRootsPem: string[];
  client: { certificatePem: string; chainPem: string[]; privateKeyPem: string };
  /** The exact body the bare server answers. */
  body: string;
}

const port = parentPort;
if (port === null) throw new Error('https-worker must run in a worker thread');

const dir = mkdtempSync(join(tmpdir(), 'fedtrust-bench-https-'));
const sqlite = sqliteStore(join(dir, 'gateway.db'));
const sqliteNormal = sqliteStore(join(dir, 'gateway-normal.db'), { synchronous: 'normal' });
const memory = memoryStore();
const enrolled = await enrolledPeer(sqlite, 'bench');
await mirrorGrant(sqlite, memory, enrolled.grant.id, enrolled.client.serial);
await mirrorGrant(sqlite, sqliteNormal, enrolled.grant.id, enrolled.client.serial);

const tls = {
  certificatePem: enrolled.serverTls.certificatePem,
  chainPem: enrolled.serverTls.chainPem,
  keyPem: enrolled.serverTls.privateKeyPem,
  clientRootsPem: enrolled.clientRootsPem,
};
const federation = (store: typeof sqlite | typeof memory): FederationServer =>
  createFederationServer({
    gatewayName: 'work',
    store,
    authorize: () => true,
    sources: { tasks: rowsSource() },
    // The default per-grant budget (600/min) would turn the load into 429s.
    rateLimit: { points: 1_000_000_000, durationSeconds: 60 },
    tls,
  });

// What serve-verb sends for an allowed list of ROWS, byte for byte (the section checks it).
const body = JSON.stringify({ rows: ROWS.map((row) => ({ ...row, _source: 'work' })), truncated: false });
const payload = Buffer.from(body);
const bare = createServer(
  {
    cert: [tls.certificatePem, ...tls.chainPem].join('\n'),
    key: tls.keyPem,
    ca: tls.clientRootsPem,
    requestCert: true,
    rejectUnauthorized: true,
  },
  (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(payload.byteLength),
        'cache-control': 'no-store',
      });
      res.end(payload);
    });
  },
);
await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
const onSqlite = federation(sqlite);
const onSqliteNormal = federation(sqliteNormal);
const onMemory = federation(memory);
const ready: HttpsWorkerReady = {
  bare: (bare.address() as AddressInfo).port,
  sqlite: (await onSqlite.listen()).port,
  sqliteNormal: (await onSqliteNormal.listen()).port,
  memory: (await onMemory.listen()).port,
  serverRootsPem: enrolled.serverRootsPem,
  client: enrolled.client,
  body,
};
port.postMessage(ready);

port.once('message', async () => {
  bare.closeAllConnections();
  await Promise.all([
    new Promise((resolve) => bare.close(resolve)),
    onSqlite.close(),
    onSqliteNormal.close(),
    onMemory.close(),
  ]);
  await sqlite.close();
  await sqliteNormal.close();
  rmSync(dir, { recursive: true, force: true });
  port.postMessage('stopped');
  port.close();
});
