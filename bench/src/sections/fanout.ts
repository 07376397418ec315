/**
 * Fan-out latency: `query({ source: 'all' })` over N peers against a call to the slowest
 * peer alone, through the same client, alternating, medians over many calls.
 *
 * @module @fedtrust/bench/sections/fanout
 */
import { Worker } from 'node:worker_threads';
import { createFederationClient } from '@fedtrust/transport-undici';
import { type Figure, figure, latencyMs, median, type Round } from '../measure.js';
import type { FanOutMessage, FanOutPeer } from './fanout-worker.js';

const PEERS = 4;
const CALLS = 25;
const ROUNDS = 3;

function ask(worker: Worker, message: FanOutMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.postMessage(message);
  });
}

export async function fanOutFigures(): Promise<Figure[]> {
  const worker = new Worker(new URL('./fanout-worker.js', import.meta.url), { workerData: { peers: PEERS } });
  const peers = await new Promise<FanOutPeer[]>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const client = createFederationClient({
    peers: peers.map((p) => ({
      id: p.id,
      url: p.url,
      rootsPem: p.serverRootsPem,
      certificatePem: p.client.certificatePem,
      chainPem: p.client.chainPem,
      privateKey: p.client.privateKeyPem,
    })),
    breaker: false,
    timeoutMs: 10_000,
  });
  try {
    const figures: Figure[] = [];
    // Peers answer after 10, 20, 30 and 40 ms, as remote gateways doing their own work would;
    // then with no added latency, where only CPU on this machine separates the two.
    for (const delays of [
      [10, 20, 30, 40],
      [0, 0, 0, 0],
    ]) {
      await ask(worker, { delays });
      const slowest = peers[delays.indexOf(Math.max(...delays))] as FanOutPeer;
      const all = async () => {
        const result = await client.query({ source: 'all', verb: 'list', resource: 'tasks' });
        if (result._partial || result.rows.length !== 5 * PEERS) {
          throw new Error(`fan-out answered partially: ${JSON.stringify(result.errors)}`);
        }
      };
      const one = async () => {
        const result = await client.peer(slowest.id).list('tasks');
        if (result.rows.length !== 5) throw new Error('the slowest peer answered no rows');
      };
      await all();
      await one();
      const rounds: Round[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const fan: number[] = [];
        const single: number[] = [];
        for (let call = 0; call < CALLS; call++) {
          fan.push(await latencyMs(all));
          single.push(await latencyMs(one));
        }
        const f = median(fan);
        const s = median(single);
        rounds.push({ value: f, baseline: s, ratio: f / s });
      }
      const delayed = delays.some((d) => d > 0);
      figures.push(
        figure({
          id: delayed ? 'fanout_latency' : 'fanout_latency_no_delay',
          title: delayed
            ? `fan-out 'all' over ${PEERS} peers answering after ${delays.join('/')} ms (median latency)`
            : `fan-out 'all' over ${PEERS} peers with no added latency (median latency)`,
          unit: 'ms',
          rounds,
          baselineTitle: `the slowest peer alone (${slowest.id}), same client`,
          ratioMeaning: '× slowest peer',
          ...(delayed
            ? { target: { on: 'ratio', op: '<=', value: 1.2, label: '≤ 1.2× slowest' } as const }
            : {}),
          notes: delayed
            ? []
            : ['all peers share this machine’s 2 cores with the client, so N requests cost N× CPU'],
        }),
      );
    }
    return figures;
  } finally {
    await client.close();
    await ask(worker, 'stop').catch(() => undefined);
    await worker.terminate();
  }
}
