/**
 * mTLS throughput on loopback: createFederationServer vs a bare node:https mTLS server
 * returning the same bytes, to the same undici client, keep-alive over 16 connections and
 * fresh TLS 1.3 handshakes (no session resumption).
 *
 * @module @fedtrust/bench/sections/https
 */
import { Worker } from 'node:worker_threads';
import { Pool } from 'undici';
import { concurrentRate, type Figure, figure, type Round } from '../measure.js';
import type { HttpsWorkerReady } from './https-worker.js';

const CONNECTIONS = 16;
const ROUNDS = 5;
const KEEP_ALIVE_MS = 1_500;
const HANDSHAKE_MS = 1_500;
const MAX_OPS = 400_000;

type Target = 'bare' | 'sqlite' | 'sqliteNormal' | 'memory';
const SERVED = ['sqlite', 'sqliteNormal', 'memory'] as const;

interface Load {
  perSecond: number;
  failed: number;
}

export interface HttpsResult {
  figures: Figure[];
  /** Median bare keep-alive requests/s, the per-request budget the guard figure is set against. */
  bareKeepAlivePerSecond: number;
}

function pool(ready: HttpsWorkerReady, target: Target, fresh: boolean): Pool {
  return new Pool(`https://127.0.0.1:${ready[target]}`, {
    connections: CONNECTIONS,
    pipelining: 1,
    connect: {
      ca: ready.serverRootsPem,
      cert: [ready.client.certificatePem, ...ready.client.chainPem].join('\n'),
      key: ready.client.privateKeyPem,
      minVersion: 'TLSv1.3',
      // No resumption: every fresh connection is a full handshake with both certificates.
      ...(fresh ? { maxCachedSessions: 0 } : {}),
    },
  });
}

async function once(client: Pool, fresh: boolean): Promise<{ status: number; body: string }> {
  const response = await client.request({
    path: '/fedtrust/v1/list/tasks',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
    reset: fresh,
  });
  return { status: response.statusCode, body: await response.body.text() };
}

async function load(ready: HttpsWorkerReady, target: Target, fresh: boolean): Promise<Load> {
  const client = pool(ready, target, fresh);
  try {
    // Warm: open the connections (keep-alive) or the JIT (handshakes) before timing.
    await Promise.all(Array.from({ length: CONNECTIONS }, () => once(client, fresh)));
    const result = await concurrentRate(async () => (await once(client, fresh)).status === 200, {
      concurrency: CONNECTIONS,
      ms: fresh ? HANDSHAKE_MS : KEEP_ALIVE_MS,
      maxOps: MAX_OPS,
    });
    return { perSecond: result.perSecond, failed: result.failed };
  } finally {
    await client.close();
  }
}

export async function httpsFigures(): Promise<HttpsResult> {
  const worker = new Worker(new URL('./https-worker.js', import.meta.url));
  const ready = await new Promise<HttpsWorkerReady>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  try {
    for (const target of ['bare', ...SERVED] as const) {
      const client = pool(ready, target, false);
      const answer = await once(client, false);
      await client.close();
      if (answer.status !== 200 || answer.body !== ready.body) {
        throw new Error(
          `${target} answered ${answer.status} ${answer.body.slice(0, 120)}; expected the bare body`,
        );
      }
    }
    const figures: Figure[] = [];
    let bareKeepAlive: number[] = [];
    for (const fresh of [false, true]) {
      const rounds: Record<(typeof SERVED)[number], Round[]> = { sqlite: [], sqliteNormal: [], memory: [] };
      const failures: string[] = [];
      const bares: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate the order so drift on a shared machine does not favour one side.
        const order: Target[] =
          round % 2 === 0
            ? ['bare', 'sqlite', 'sqliteNormal', 'memory']
            : ['memory', 'sqliteNormal', 'sqlite', 'bare'];
        const measured: Partial<Record<Target, Load>> = {};
        for (const target of order) measured[target] = await load(ready, target, fresh);
        const bare = measured.bare as Load;
        bares.push(bare.perSecond);
        for (const target of SERVED) {
          const m = measured[target] as Load;
          rounds[target].push({
            value: m.perSecond,
            baseline: bare.perSecond,
            ratio: m.perSecond / bare.perSecond,
          });
        }
        for (const target of order) {
          const failed = measured[target]?.failed ?? 0;
          if (failed > 0) failures.push(`round ${round + 1}: ${failed} non-200 answers from ${target}`);
        }
      }
      if (!fresh) bareKeepAlive = bares;
      const kind = fresh ? 'fresh TLS 1.3 handshakes' : 'keep-alive requests';
      const unit = fresh ? 'handshakes/s' : 'req/s';
      const target = fresh
        ? ({ on: 'ratio', op: '>=', value: 0.9, label: '≥ 0.9× bare' } as const)
        : ({ on: 'ratio', op: '>=', value: 0.8, label: '≥ 0.8× bare' } as const);
      figures.push(
        figure({
          id: fresh ? 'handshakes_sqlite' : 'keepalive_sqlite',
          title: `mTLS ${kind}/s through createFederationServer (sqliteStore, default synchronous: 'full': 3 reads + audit append per request)`,
          unit,
          rounds: rounds.sqlite,
          baselineTitle: `bare node:https mTLS server, same bytes, same undici client, ${CONNECTIONS} connections`,
          ratioMeaning: '× bare',
          target,
          notes: failures,
        }),
        figure({
          id: fresh ? 'handshakes_sqlite_normal' : 'keepalive_sqlite_normal',
          title: `mTLS ${kind}/s through createFederationServer (sqliteStore with synchronous: 'normal', no fsync per commit)`,
          unit,
          rounds: rounds.sqliteNormal,
          baselineTitle: `bare node:https mTLS server, same bytes, same undici client, ${CONNECTIONS} connections`,
          ratioMeaning: '× bare',
          notes: failures,
        }),
        figure({
          id: fresh ? 'handshakes_memory' : 'keepalive_memory',
          title: `mTLS ${kind}/s through createFederationServer (in-memory reference store)`,
          unit,
          rounds: rounds.memory,
          baselineTitle: `bare node:https mTLS server, same bytes, same undici client, ${CONNECTIONS} connections`,
          ratioMeaning: '× bare',
          target,
          notes: failures,
        }),
      );
    }
    const sorted = [...bareKeepAlive].sort((a, b) => a - b);
    return { figures, bareKeepAlivePerSecond: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN };
  } finally {
    worker.postMessage('stop');
    await new Promise<void>((resolve) => {
      worker.once('message', () => resolve());
      worker.once('error', () => resolve());
      worker.once('exit', () => resolve());
    });
    await worker.terminate();
  }
}
