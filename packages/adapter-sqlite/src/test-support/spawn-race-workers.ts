/**
 * Runs race jobs on worker threads, each with its own SQLite connection on one file.
 *
 * better-sqlite3 is synchronous: several handles in one thread never overlap, because each
 * call runs to completion before the event loop moves on, so "concurrent" calls there are
 * really sequential. Worker threads are separate call stacks running in parallel against
 * the file's locks, as separate processes would. The worker entry is bundled with esbuild
 * (the build tool tsup already uses) so the threads run this package's and core's sources
 * exactly as the tests import them. Test-only.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import type { RaceJob, WorkerSetup } from './race-jobs.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const require = createRequire(import.meta.url);

/** Bundles the worker into `dir` and returns the file to start threads from. */
export async function bundleRaceWorker(dir: string): Promise<string> {
  const outfile = join(dir, 'race-worker.mjs');
  const core = {
    '@fedtrust/core': here('../../../core/src/index.ts'),
    '@fedtrust/core/system': here('../../../core/src/system/index.ts'),
  } as Record<string, string>;
  await build({
    entryPoints: [here('./race-worker.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    logLevel: 'silent',
    // Bundled CommonJS dependencies call require(); give the ES module one.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    plugins: [
      {
        name: 'fedtrust-sources',
        setup(b) {
          b.onResolve({ filter: /^@fedtrust\/core(\/system)?$/ }, (args) => ({
            path: core[args.path] as string,
          }));
          // The native driver cannot be bundled; load the installed one by absolute path.
          b.onResolve({ filter: /^better-sqlite3$/ }, () => ({
            path: require.resolve('better-sqlite3'),
            external: true,
          }));
        },
      },
    ],
  });
  return outfile;
}

/**
 * Starts one thread per job on `file`, waits until every thread has opened its connection,
 * releases them at once, and returns each job's results in job order. Threads are always
 * terminated, whatever happens.
 */
export async function runRaceWorkers(
  workerFile: string,
  file: string,
  jobs: RaceJob[],
): Promise<unknown[][]> {
  const gate = new SharedArrayBuffer(4);
  const migrationsDir = here('../../migrations/');
  const workers: Worker[] = [];
  try {
    const ready: Promise<void>[] = [];
    const done: Promise<unknown[]>[] = [];
    for (const job of jobs) {
      const setup: WorkerSetup = { file, migrationsDir, gate, job };
      const worker = new Worker(workerFile, { workerData: setup });
      workers.push(worker);
      let onReady: () => void = () => {};
      ready.push(new Promise<void>((resolve) => (onReady = resolve)));
      done.push(
        new Promise<unknown[]>((resolve, reject) => {
          worker.on('message', (m: { ready?: true; results?: unknown[]; error?: string }) => {
            if (m.ready) onReady();
            else if (m.error !== undefined) reject(new Error(`race worker failed: ${m.error}`));
            else resolve(m.results ?? []);
          });
          worker.on('error', reject);
          worker.on('exit', (code) => reject(new Error(`race worker exited early with code ${code}`)));
        }),
      );
    }
    await Promise.race([Promise.all(ready), Promise.all(done)]);
    Atomics.store(new Int32Array(gate), 0, 1);
    Atomics.notify(new Int32Array(gate), 0);
    return await Promise.all(done);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
