import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, file = 'index') =>
  fileURLToPath(new URL(`./packages/${pkg}/src/${file}.ts`, import.meta.url));

/**
 * Tests import workspace packages by name; these aliases point them at the sources so a
 * test run never depends on a stale build. The most specific subpaths come first.
 */
export const alias = [
  { find: /^@fedtrust\/core\/testing$/, replacement: src('core', 'testing/index') },
  { find: /^@fedtrust\/core\/system$/, replacement: src('core', 'system/index') },
  { find: /^@fedtrust\/ca-stepca\/testing$/, replacement: src('ca-stepca', 'testing/index') },
  { find: /^@fedtrust\/adapter-pg\/testing$/, replacement: src('adapter-pg', 'testing/index') },
  {
    find: /^@fedtrust\/(core|adapter-sqlite|adapter-pg|ca-local|ca-stepca|transport-undici|cli)$/,
    replacement: fileURLToPath(new URL('./packages/$1/src/index.ts', import.meta.url)),
  },
];

const project = (name: string, dir: string, extra: Record<string, unknown> = {}) => ({
  extends: true as const,
  test: { name, include: [`${dir}/**/*.test.ts`], ...extra },
});

const pgSetup = 'packages/adapter-pg/src/testing/global-setup.ts';

export default defineConfig({
  resolve: { alias },
  test: {
    testTimeout: 30_000,
    // The JSON report feeds the one-line count scripts/test.sh prints at the end.
    reporters: ['default', ['json', { outputFile: '.cache/vitest-results.json' }]],
    hookTimeout: 180_000,
    projects: [
      project('core', 'packages/core/src'),
      project('adapter-sqlite', 'packages/adapter-sqlite/src'),
      project('adapter-pg', 'packages/adapter-pg/src', {
        globalSetup: existsSync(pgSetup) ? [pgSetup] : [],
      }),
      project('ca-local', 'packages/ca-local/src'),
      project('ca-stepca', 'packages/ca-stepca/src'),
      project('transport-undici', 'packages/transport-undici/src'),
      project('cli', 'packages/cli/test'),
      project('examples', 'examples'),
    ],
  },
});
