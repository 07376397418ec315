/**
 * Micro-benchmarks on one core: identity decode and the full guard decision.
 *
 * tinybench times each task call; a call runs a batch of operations so the timer's own
 * cost (tens of nanoseconds) is negligible beside it. Rates are the median batch rate
 * times the batch size.
 *
 * @module @fedtrust/bench/sections/micro
 */
import 'reflect-metadata';
import { X509Certificate as NodeX509 } from 'node:crypto';
import {
  type CertificateBinding,
  type Grant,
  type GuardDeps,
  guard,
  identifyConnection,
  identityOids,
  type Peer,
  readIdentity,
} from '@fedtrust/core';
import { systemClock } from '@fedtrust/core/system';
import * as x509 from '@peculiar/x509';
import { Bench } from 'tinybench';
import { type Figure, figure, type Round } from '../measure.js';

const ROUNDS = 5;
/** Each timed task call lasts about this long, whatever one operation costs. */
const CALL_MS = 2;

/** How many operations make one task call of about CALL_MS (at least 1, at most 4096). */
async function batchFor(op: () => unknown): Promise<number> {
  await op();
  const started = performance.now();
  for (let i = 0; i < 3; i++) await op();
  const each = (performance.now() - started) / 3;
  return Math.max(1, Math.min(4096, Math.floor(CALL_MS / Math.max(each, 1e-4))));
}

function batchRate(bench: Bench, name: string, batch: number): number {
  const result = bench.getTask(name)?.result;
  if (result?.state !== 'completed') throw new Error(`task ${name} did not complete (${result?.state})`);
  return result.throughput.p50 * batch;
}

/** A fresh bench: about 150 ms per task after a short warm-up, and at least 8 timed calls. */
const newBench = () =>
  new Bench({ time: 150, warmupTime: 30, warmupIterations: 2, iterations: 8, throws: true });

/**
 * Identity decode: core's DER walker vs @peculiar/x509 parsing the certificate and reading
 * both extensions, and vs constructing node:crypto's X509Certificate (which cannot read them).
 */
export async function decodeFigures(der: Uint8Array): Promise<Figure[]> {
  const oids = identityOids();
  const utf8 = new TextDecoder();
  const expected = readIdentity(der);
  const peculiar = () => {
    const cert = new x509.X509Certificate(der);
    const grant = cert.getExtension(oids.grantId);
    const subject = cert.getExtension(oids.subjectUserId);
    if (grant === null || subject === null) throw new Error('extension missing');
    // The extension value is a DER UTF8String; skipping its 2-byte header is the cheapest
    // possible read, so the baseline is never slowed by how we decode it.
    return [
      utf8.decode(new Uint8Array(grant.value).subarray(2)),
      utf8.decode(new Uint8Array(subject.value).subarray(2)),
    ];
  };
  const [grantId, subjectUserId] = peculiar();
  if (grantId !== expected.grantId || subjectUserId !== expected.subjectUserId) {
    throw new Error('@peculiar/x509 read other identity values than readIdentity');
  }

  const node = () => new NodeX509(der);
  const ops = { readIdentity: () => readIdentity(der), peculiar, node };
  const batches = {
    readIdentity: await batchFor(ops.readIdentity),
    peculiar: await batchFor(ops.peculiar),
    node: await batchFor(ops.node),
  };
  const vsPeculiar: Round[] = [];
  const vsNode: Round[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const bench = newBench();
    for (const name of ['readIdentity', 'peculiar', 'node'] as const) {
      const op = ops[name];
      const batch = batches[name];
      bench.add(name, () => {
        for (let i = 0; i < batch; i++) op();
      });
    }
    await bench.run();
    const ours = batchRate(bench, 'readIdentity', batches.readIdentity);
    const p = batchRate(bench, 'peculiar', batches.peculiar);
    const n = batchRate(bench, 'node', batches.node);
    vsPeculiar.push({ value: ours, baseline: p, ratio: ours / p });
    vsNode.push({ value: ours, baseline: n, ratio: ours / n });
  }
  return [
    figure({
      id: 'decode_vs_peculiar',
      title: 'identity decode: readIdentity vs @peculiar/x509 (parse + both extensions)',
      unit: 'decodes/s',
      rounds: vsPeculiar,
      baselineTitle: 'new x509.X509Certificate(der) + getExtension ×2',
      ratioMeaning: 'times faster',
      target: { on: 'ratio', op: '>=', value: 100, label: '≥ 100×' },
    }),
    figure({
      id: 'decode_vs_node',
      title: "identity decode: readIdentity vs constructing node:crypto's X509Certificate",
      unit: 'decodes/s',
      rounds: vsNode,
      baselineTitle: 'new crypto.X509Certificate(der) (reads no extension)',
      ratioMeaning: 'times faster',
      target: { on: 'ratio', op: '>=', value: 20, label: '≥ 20×' },
    }),
  ];
}

/** Lookups served from maps: the "cached grant" the guard reads on the hot path. */
export function cachedLookups(grant: Grant, peer: Peer, binding: CertificateBinding): GuardDeps['store'] {
  return {
    getGrant: async (id) => (id === grant.id ? grant : null),
    getPeer: async (id) => (id === peer.id ? peer : null),
    getCertificateBinding: async (serial) => (serial === binding.serial ? binding : null),
  };
}

/**
 * The full guard decision on one core: decode the leaf, cached grant/peer/binding lookups,
 * scope evaluation, an RBAC stub. Its baseline is not a competitor but a budget: one
 * request to the bare mTLS server, measured in the https section of the same run.
 */
export async function guardRounds(der: Uint8Array, store: GuardDeps['store']): Promise<Round[]> {
  const deps: GuardDeps = { store, clock: systemClock, authorize: () => true };
  const decide = () => guard({ connection: identifyConnection(der), verb: 'list', resource: 'tasks' }, deps);
  const first = await decide();
  if (!first.allow) throw new Error(`the bench grant is denied: ${first.reason}`);
  const batch = await batchFor(decide);
  const rounds: Round[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const bench = newBench();
    bench.add('guard', async () => {
      for (let i = 0; i < batch; i++) {
        const decision = await decide();
        if (!decision.allow) throw new Error(`denied: ${decision.reason}`);
      }
    });
    await bench.run();
    rounds.push({ value: batchRate(bench, 'guard', batch), baseline: null, ratio: null });
  }
  return rounds;
}
