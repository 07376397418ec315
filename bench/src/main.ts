/**
 * `npm run bench`: every figure of issue 8, each against a baseline measured in the same
 * run on the same certificates, medians over rounds, judged against the targets.
 * Load goes only to 127.0.0.1; every loop is bounded in count and time.
 *
 * @module @fedtrust/bench
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { memoryStore } from '@fedtrust/core/testing';
import { derOf, enrolledPeer } from './fixtures.js';
import { type Figure, figure, type Round } from './measure.js';
import { table, writeResults } from './report.js';
import { fanOutFigures } from './sections/fanout.js';
import { httpsFigures } from './sections/https.js';
import { cachedLookups, decodeFigures, guardRounds } from './sections/micro.js';
import { postgresFigures, sqliteFigures } from './sections/stores.js';

const started = performance.now();
const figures: Figure[] = [];
const failures: { section: string; error: string }[] = [];

function progress(text: string): void {
  process.stdout.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${text}\n`);
}

async function section<T>(name: string, run: () => Promise<T>): Promise<T | null> {
  progress(`${name}…`);
  try {
    return await run();
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    failures.push({ section: name, error: message });
    progress(`${name} FAILED: ${message}`);
    return null;
  }
}

const loadAtStart = loadavg()[0] ?? 0;
progress(
  `node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), load average ${loadAtStart.toFixed(1)}`,
);

const fixture = await section('fixture: a CA and a peer enrolled through enrollPeer', async () => {
  const store = memoryStore();
  const enrolled = await enrolledPeer(store, 'micro');
  const grant = await store.getGrant(enrolled.grant.id);
  const peer = grant === null ? null : await store.getPeer(grant.peerId);
  const binding = await store.getCertificateBinding(enrolled.client.serial);
  if (grant === null || peer === null || binding === null)
    throw new Error('the enrolled grant is incomplete');
  return { der: derOf(enrolled.client.certificatePem), lookups: cachedLookups(grant, peer, binding) };
});

if (fixture !== null) {
  const decode = await section('identity decode', () => decodeFigures(fixture.der));
  if (decode !== null) figures.push(...decode);
}

const https = await section('mTLS throughput (keep-alive and fresh handshakes)', () => httpsFigures());
if (https !== null) figures.push(...https.figures);

if (fixture !== null) {
  const rounds = await section('guard decision', () => guardRounds(fixture.der, fixture.lookups));
  if (rounds !== null) {
    figures.push(
      figure({
        id: 'guard_rate',
        title: 'full guard decisions/s on one core (decode → cached grant/peer/binding → scope → RBAC stub)',
        unit: 'decisions/s',
        rounds,
      }),
    );
    const bareMicros = https === null ? null : 1e6 / https.bareKeepAlivePerSecond;
    const micros: Round[] = rounds.map((r) => {
      const value = 1e6 / r.value;
      return { value, baseline: bareMicros, ratio: bareMicros === null ? null : value / bareMicros };
    });
    figures.push(
      figure({
        id: 'guard_us',
        title: 'one full guard decision, microseconds',
        unit: 'µs',
        rounds: micros,
        baselineTitle: 'µs per request of the bare mTLS server (1 / its keep-alive req/s, same run)',
        ratioMeaning: 'of a bare request',
        target: { on: 'value', op: '<=', value: 2, label: '≤ 2 µs' },
      }),
    );
  }
}

const sqlite = await section('SQLite: admission and audit vs the raw statement', () => sqliteFigures());
if (sqlite !== null) figures.push(...sqlite);
const postgres = await section(
  'Postgres (embedded): admission, round trips, audit vs the raw statement',
  () => postgresFigures(),
);
if (postgres !== null) figures.push(...postgres);
const fanOut = await section('fan-out latency', () => fanOutFigures());
if (fanOut !== null) figures.push(...fanOut);

const durationMs = Math.round(performance.now() - started);
const loadAtEnd = loadavg()[0] ?? 0;
process.stdout.write(`\n${table(figures).join('\n')}\n`);
if (Math.max(loadAtStart, loadAtEnd) > availableParallelism()) {
  process.stdout.write(
    `\nwarning: load average ${loadAtStart.toFixed(1)} → ${loadAtEnd.toFixed(1)} on ${availableParallelism()} cores: other processes ` +
      'shared the CPU, so absolute figures are low and noisy; each ratio still compares two measurements taken side by side.\n',
  );
}
const file = writeResults(fileURLToPath(new URL('../results/', import.meta.url)), {
  startedAt: new Date(Date.now() - durationMs).toISOString(),
  durationMs,
  node: process.version,
  cores: availableParallelism(),
  cpu: cpus()[0]?.model ?? null,
  loadAverage: { start: loadAtStart, end: loadAtEnd },
  figures,
  failures,
});
const missed = figures.filter((f) => f.pass === false).map((f) => f.id);
process.stdout.write(
  `\n${figures.length} figures in ${(durationMs / 1000).toFixed(0)} s; targets missed: ${missed.length === 0 ? 'none' : missed.join(', ')}; ` +
    `sections failed: ${failures.length === 0 ? 'none' : failures.map((f) => f.section).join(', ')}\nresults: ${file}\n`,
);
// A missed target is a finding, not a crash; a section that could not run is a failure.
process.exitCode = failures.length === 0 ? 0 : 1;
