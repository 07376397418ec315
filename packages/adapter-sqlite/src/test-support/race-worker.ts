/**
 * Body of one race worker thread: opens its own SQLite connection on the shared file and
 * runs one job. Test-only; bundled by `spawn-race-workers.ts`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type AuditEvent, admitProvider } from '@fedtrust/core';
import { systemClock, systemRandom } from '@fedtrust/core/system';
import { sqliteStore } from '../sqlite-store.js';
import type { RaceJob, WorkerSetup } from './race-jobs.js';

const setup = workerData as WorkerSetup;
// A generous busy timeout: eight writers on two shared cores must wait, never fail.
const store = sqliteStore(setup.file, { migrationsDir: setup.migrationsDir, busyTimeoutMs: 120_000 });
const gate = new Int32Array(setup.gate);

parentPort?.postMessage({ ready: true });
Atomics.wait(gate, 0, 0);
try {
  parentPort?.postMessage({ results: await run(setup.job) });
} catch (error) {
  parentPort?.postMessage({
    error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  });
} finally {
  await store.close();
}

async function run(job: RaceJob): Promise<unknown[]> {
  const results: unknown[] = [];
  switch (job.kind) {
    case 'admit':
      for (let i = 0; i < job.count; i++) {
        results.push(
          await admitProvider(
            { providerId: job.providerId },
            { store, requireProviderTokens: false, clock: systemClock, random: systemRandom },
          ),
        );
      }
      return results;
    case 'issue':
      for (const id of job.tokenIds) {
        const now = new Date();
        const r = await store.issue({
          id,
          providerId: job.providerId,
          tokenHash: id,
          prefix: id.slice(0, 8),
          createdAt: now,
          lastUsedAt: null,
          revokedAt: null,
        });
        results.push(r.issued);
      }
      return results;
    case 'redeem':
      for (let i = 0; i < job.count; i++) {
        results.push((await store.redeemEnrollmentToken(job.tokenHash, new Date())).outcome);
      }
      return results;
    case 'append':
      for (let i = 0; i < job.count; i++) {
        const event: AuditEvent = {
          time: new Date().toISOString(),
          grantId: `g-${job.worker}`,
          subject: `worker-${job.worker}`,
          certSerial: null,
          verb: 'list',
          resource: `r-${i}`,
          outcome: 'allow',
          reason: null,
          rowsOut: i,
          bytesOut: job.worker,
        };
        results.push((await store.appendAudit(job.chainId, event)).seq);
      }
      return results;
    case 'duel': {
      const cells = new Int32Array(job.lockstep);
      for (let i = 0; i < job.tokens.length; i++) {
        const token = job.tokens[i];
        if (token === undefined) continue;
        meet(cells, i, 2);
        if (job.side === 'validate') {
          results.push(
            (await store.validateAndMarkUsed(token.providerId, token.tokenHash, new Date())) !== null,
          );
        } else {
          results.push(await store.revokeUnused(token.id, new Date()));
        }
      }
      return results;
    }
    case 'transition': {
      const cells = new Int32Array(job.lockstep);
      for (let i = 0; i < job.grantIds.length; i++) {
        const id = job.grantIds[i];
        if (id === undefined) continue;
        meet(cells, i, job.parties);
        results.push((await store.transitionGrant(id, job.from, job.to, new Date(job.at))) !== null);
      }
      return results;
    }
  }
}

/** A barrier on cell `i`: returns once `parties` threads have arrived. */
function meet(cells: Int32Array, i: number, parties: number): void {
  if (Atomics.add(cells, i, 1) + 1 >= parties) {
    Atomics.notify(cells, i);
    return;
  }
  for (let seen = Atomics.load(cells, i); seen < parties; seen = Atomics.load(cells, i)) {
    Atomics.wait(cells, i, seen);
  }
}
